package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// Group commit: every write goes to one committer goroutine, which applies all
// the writes waiting at that moment, and the soft changes made since the last
// commit, in one transaction, so that they share one fsync.

// op is the work of one write request inside a group-commit transaction:
// index lookups that decide whether it may go on, and the changes to make,
// encoded by the caller beforehand. It writes nothing itself: the committer
// applies the changes only if op succeeds, which is what lets one request fail
// without touching the others in its transaction. On failure op may still
// return a job to answer with (the holder of the key for ErrDuplicate).
type op func(tx *bolt.Tx) (jobs.Job, []change, error)

// change is one key to put or delete.
type change struct {
	bucket []byte
	key    []byte
	value  []byte
	remove bool
}

func put(bucket, key, value []byte) change { return change{bucket: bucket, key: key, value: value} }
func del(bucket, key []byte) change        { return change{bucket: bucket, key: key, remove: true} }

// overlay returns the changes of base whose keys over does not write, then
// over: what writing base then over leaves, with each key written once.
func overlay(base, over []change) []change {
	out := make([]change, 0, len(base)+len(over))
	for _, b := range base {
		if !slices.ContainsFunc(over, func(o change) bool { return sameKey(b, o) }) {
			out = append(out, b)
		}
	}
	return append(out, over...)
}

func sameKey(a, b change) bool { return bytes.Equal(a.bucket, b.bucket) && bytes.Equal(a.key, b.key) }

type request struct {
	op op
	// updates is the id of the job the request updates, if it does: the
	// soft changes of that job waiting for a commit go in with it, under its
	// own changes.
	updates string
	// committed, if set, runs once the transaction has committed with the
	// request's changes, under the Store's mutex and in the order of the
	// batch: it brings the jobs the process holds up to date.
	committed func()
	done      chan result // buffered; the committer sends the outcome once
}

type result struct {
	job jobs.Job
	err error
}

// submit hands op to the committer and waits until the transaction it went
// into has committed or failed. The context can end the wait for the committer
// to take the request, but not the transaction the request is then part of.
func (s *Store) submit(ctx context.Context, r *request) (jobs.Job, error) {
	if err := ctx.Err(); err != nil {
		return jobs.Job{}, fmt.Errorf("boltstore: %w", err)
	}
	r.done = make(chan result, 1)
	select {
	case s.requests <- r:
	case <-s.quit:
		return jobs.Job{}, errClosed
	case <-ctx.Done():
		return jobs.Job{}, fmt.Errorf("boltstore: waiting to commit: %w", ctx.Err())
	}
	// The committer took it into the transaction it is about to run: whatever
	// happens there is the outcome.
	res := <-r.done
	return res.job, res.err
}

// commitLoop is the committer goroutine. It returns when the store closes,
// after answering every request it took and writing the soft changes left.
func (s *Store) commitLoop() {
	defer close(s.stopped)
	batch := make([]*request, 0, s.maxBatch)
	for {
		select {
		case r := <-s.requests:
			batch = s.collect(append(batch[:0], r))
			s.commit(batch)
			clear(batch) // let the requests be collected
		case <-s.quit:
			if s.softWaiting() {
				s.commit(nil)
			}
			return
		}
	}
}

// collect adds to batch the requests already waiting, without blocking, until
// the batch holds MaxBatch of them.
func (s *Store) collect(batch []*request) []*request {
	for len(batch) < s.maxBatch {
		select {
		case r := <-s.requests:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// commit runs the batch in one transaction, with the soft changes waiting,
// and answers every request in it: with its own outcome if the transaction
// commits, else with the commit error. Soft changes go in first, but those of
// a job that a request of the batch updates go in with that request, so that
// the key of the job is written once; those of a job no longer stored are
// dropped.
func (s *Store) commit(batch []*request) {
	soft := s.takeSoft()
	withRequest := make([][]change, len(batch))
	for i, r := range batch {
		if c, ok := soft[r.updates]; ok && r.updates != "" {
			withRequest[i] = c
			delete(soft, r.updates)
		}
	}
	results := make([]result, len(batch))
	err := s.db.Update(func(tx *bolt.Tx) error {
		for id, changes := range soft {
			if err := applySoft(tx, id, changes); err != nil {
				return err
			}
		}
		for i, r := range batch {
			job, changes, err := r.op(tx)
			if err == nil {
				err = checkChanges(changes)
			}
			results[i] = result{job: job, err: err}
			switch {
			case err == nil:
				changes = overlay(withRequest[i], changes)
			default:
				// The job's soft changes stand; apply them if it is stored.
				if err := applySoft(tx, r.updates, withRequest[i]); err != nil {
					return err
				}
				continue
			}
			if err := apply(tx, changes); err != nil {
				// A write that passed checkChanges failed: the transaction
				// may hold part of it, so none of it can commit.
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.restoreSoft(soft)
		for i, r := range batch {
			s.restoreSoft(map[string][]change{r.updates: withRequest[i]})
		}
		err = fmt.Errorf("boltstore: commit: %w", err)
		for i := range results {
			results[i] = result{err: err}
		}
	} else {
		s.mu.Lock()
		for i, r := range batch {
			if results[i].err == nil && r.committed != nil {
				r.committed()
			}
		}
		s.mu.Unlock()
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// applySoft applies the soft changes of the job id if it is stored.
func applySoft(tx *bolt.Tx, id string, changes []change) error {
	if len(changes) == 0 || tx.Bucket(bucketJobs).Get([]byte(id)) == nil {
		return nil
	}
	return apply(tx, changes)
}

// checkChanges refuses, before anything is written, what bbolt would refuse
// while writing.
func checkChanges(changes []change) error {
	for _, c := range changes {
		if len(c.key) == 0 || len(c.key) > bolt.MaxKeySize {
			return fmt.Errorf("boltstore: %s key of %d bytes: bbolt takes 1 to %d", c.bucket, len(c.key), bolt.MaxKeySize)
		}
		if len(c.value) > bolt.MaxValueSize {
			return fmt.Errorf("boltstore: %s value of %d bytes: bbolt takes at most %d", c.bucket, len(c.value), bolt.MaxValueSize)
		}
	}
	return nil
}

func apply(tx *bolt.Tx, changes []change) error {
	for _, c := range changes {
		b := tx.Bucket(c.bucket)
		b.FillPercent = fillPercent(c.bucket)
		var err error
		if c.remove {
			err = b.Delete(c.key)
		} else {
			err = b.Put(c.key, c.value)
		}
		if err != nil {
			return fmt.Errorf("write %s %q: %w", c.bucket, c.key, err)
		}
	}
	return nil
}
