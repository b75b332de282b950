package boltstore

import (
	"fmt"
	"sync"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// The Store holds in memory the unfinished jobs it knows of (those it created,
// updated or listed since it opened), decoded and encoded, so that updating
// one needs no read or decoding and reading one no decoding. A held job's
// version in memory is the one readers see: it may be a soft change ahead of
// the data file. A job is held until it finishes or is deleted.

// entry is a held job. job, rec and jsonAt change only under both lock and
// Store.mu; gone only under Store.mu.
type entry struct {
	lock   sync.Mutex // taken by an update of the job, across its commit if it is durable
	job    jobs.Job   // the version readers see; shares no memory with anyone
	rec    []byte     // its record, never changed in place
	jsonAt int        // where the public JSON starts in rec
	gone   bool       // finished or deleted, no longer held: look again
}

func newEntry(j jobs.Job) *entry {
	rec, jsonAt := encodeRecord(j)
	return &entry{job: j, rec: rec, jsonAt: jsonAt}
}

func (e *entry) encoded() jobs.Encoded {
	j := e.job
	return jobs.Encoded{ID: j.ID, Owner: j.Owner, Status: j.Status, Seq: j.Seq, ExpiresAt: j.ExpiresAt, JSON: append([]byte(nil), e.rec[e.jsonAt:]...)}
}

// heldEntry returns the held entry of the job, or nil.
func (s *Store) heldEntry(id string) *entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.held[id]
}

// lockEntry returns the entry of the job, locked: the held one, else the
// job read from the data file, held if it is unfinished. A finished job is
// not held: its entry is its own (and Next will refuse to change it).
func (s *Store) lockEntry(id string) (*entry, error) {
	for {
		e, err := s.entry(id)
		if err != nil {
			return nil, err
		}
		e.lock.Lock()
		s.mu.RLock()
		gone := e.gone
		s.mu.RUnlock()
		if !gone {
			return e, nil
		}
		e.lock.Unlock() // it finished or went while this waited
	}
}

func (s *Store) entry(id string) (*entry, error) {
	if e := s.heldEntry(id); e != nil {
		return e, nil
	}
	// Read under the mutex, so that a deletion that commits meanwhile (and
	// forgets the job under the mutex) cannot leave it held.
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.held[id]; e != nil {
		return e, nil
	}
	j, err := s.readJob(id)
	if err != nil {
		return nil, err
	}
	e := newEntry(j)
	if !j.Status.Terminal() {
		s.held[id] = e
	}
	return e, nil
}

// forget stops holding the jobs, which are deleted, and drops their soft
// changes. It runs under s.mu.
func (s *Store) forget(ids ...string) {
	for _, id := range ids {
		if e := s.held[id]; e != nil {
			e.gone = true
			delete(s.held, id)
		}
		delete(s.soft, id)
	}
}

// softWaiting reports whether soft changes wait for a commit.
func (s *Store) softWaiting() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.soft) > 0
}

// takeSoft returns the soft changes waiting, by job, and leaves none.
func (s *Store) takeSoft() map[string][]change {
	s.mu.Lock()
	defer s.mu.Unlock()
	soft := s.soft
	s.soft = map[string][]change{}
	return soft
}

// restoreSoft puts back soft changes that a failed commit took, under those
// made since, which are newer.
func (s *Store) restoreSoft(soft map[string][]change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, changes := range soft {
		if len(changes) > 0 && s.held[id] != nil {
			s.soft[id] = overlay(changes, s.soft[id])
		}
	}
}

// readJob returns the job as the file and the overlay hold it, or
// jobs.ErrNotFound. The caller holds s.mu.
func (s *Store) readJob(id string) (jobs.Job, error) {
	var j jobs.Job
	err := s.read(func(v *view) error {
		var err error
		j, err = getJob(v, id)
		return err
	})
	return j, err
}

// getJob returns the stored job or jobs.ErrNotFound.
func getJob(tx *view, id string) (jobs.Job, error) {
	data := tx.Bucket(bucketJobs).Get([]byte(id))
	if data == nil {
		return jobs.Job{}, jobs.ErrNotFound
	}
	j, err := decodeRecord(data)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("job %s: %w", id, err)
	}
	return j, nil
}
