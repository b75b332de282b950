package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// maxListScan bounds the entries of the owners bucket that one List looks
// at, and so the time it holds the store's read lock: a page whose filters
// few jobs match comes back with fewer jobs and a Next to go on from.
const maxListScan = 4096

// List returns the owner's jobs that match q, newest first, from the owners
// bucket, which every commit keeps with the jobs. A held job is listed as
// readers see it, so a soft change counts for the filters. Next is set when
// a job that matches follows the page, or when the scan stopped at
// maxListScan entries.
func (s *Store) List(ctx context.Context, q jobs.ListQuery) (jobs.ListPage, error) {
	if err := ctx.Err(); err != nil {
		return jobs.ListPage{}, fmt.Errorf("boltstore: list jobs: %w", err)
	}
	var page jobs.ListPage
	// s.mu before the transaction, as everywhere, so that held jobs do not
	// change under the scan.
	s.mu.RLock()
	defer s.mu.RUnlock()
	err := s.read(func(v *view) error {
		prefix := ownerPrefix(q.Owner)
		// The entries of the page are before the start.
		start := append([]byte(q.Owner), 1) // past all of the owner's entries
		if q.After != nil {
			start = ownerKey(q.Owner, q.After.CreatedAt, q.After.ID)
		}
		scanned := 0
		var last jobs.Position // of the last entry scanned
		for k := range v.Bucket(bucketOwners).descend(start) {
			if !bytes.HasPrefix(k, prefix) {
				return nil
			}
			pos, err := ownerKeyPosition(k, len(prefix))
			if err != nil {
				return err
			}
			if scanned == maxListScan {
				// The next page goes on from the last entry scanned: pos
				// has not been looked at.
				page.Next = &last
				return nil
			}
			scanned++
			last = pos
			j, err := s.listedJob(v, pos.ID)
			if err != nil {
				return err
			}
			if !jobs.Matches(q, j) {
				continue
			}
			if len(page.Jobs) == q.Limit {
				last := jobs.PositionOf(page.Jobs[q.Limit-1])
				page.Next = &last
				return nil
			}
			page.Jobs = append(page.Jobs, j.Clone())
		}
		return nil
	})
	if err != nil {
		return jobs.ListPage{}, translate(fmt.Errorf("boltstore: list jobs of %q: %w", q.Owner, err))
	}
	return page, nil
}

// ownerKeyPosition returns the position of an owners entry whose owner
// prefix is prefixLen bytes long.
func ownerKeyPosition(k []byte, prefixLen int) (jobs.Position, error) {
	if len(k) < prefixLen+8 {
		return jobs.Position{}, fmt.Errorf("%w: owners entry %q cut short", errCorrupt, k)
	}
	nanos := int64(binary.BigEndian.Uint64(k[prefixLen:]) ^ (1 << 63))
	return jobs.Position{CreatedAt: time.Unix(0, nanos).UTC(), ID: string(k[prefixLen+8:])}, nil
}

// listedJob returns the job as readers see it: held, or from v. The caller
// holds s.mu.
func (s *Store) listedJob(v *view, id string) (jobs.Job, error) {
	if e := s.held[id]; e != nil {
		return e.job, nil
	}
	j, err := getJob(v, id)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("owners entry of job %s: %w", id, err)
	}
	return j, nil
}

// fillOwners makes the owners bucket's entries of every job in a data file
// that a release before List wrote.
func fillOwners(tx *bolt.Tx) error {
	owners := tx.Bucket(bucketOwners)
	return tx.Bucket(bucketJobs).ForEach(func(id, data []byte) error {
		owner, _, createdAt, _, err := indexFields(data)
		if err != nil {
			return fmt.Errorf("job %s: %w", id, err)
		}
		return owners.Put(ownerKey(owner, createdAt, string(id)), []byte{})
	})
}
