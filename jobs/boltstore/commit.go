package boltstore

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// Group commit: every write goes to one committer goroutine, which applies all
// the writes waiting at that moment in one transaction, so that they share one
// fsync.

// op is the work of one write request inside a group-commit transaction. It
// reads what it needs and decides, but writes nothing itself: it returns the
// changes to make, which the committer applies only if op succeeds. That is
// what lets one request fail without touching the others in its transaction.
// On failure op may still return a job to answer with (the existing one for
// ErrDuplicate, the unchanged one for ErrTerminal or an error from fn).
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

type request struct {
	op   op
	done chan result // buffered; the committer sends the outcome once
}

type result struct {
	job      jobs.Job
	err      error
	panicked any // what op panicked with, to panic with again in the caller
}

// submit hands op to the committer and waits until the transaction it went
// into has committed or failed. The context can end the wait for the committer
// to take the request, but not the transaction the request is then part of.
func (s *Store) submit(ctx context.Context, o op) (jobs.Job, error) {
	if err := ctx.Err(); err != nil {
		return jobs.Job{}, fmt.Errorf("boltstore: %w", err)
	}
	r := &request{op: o, done: make(chan result, 1)}
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
	if res.panicked != nil {
		panic(res.panicked)
	}
	return res.job, res.err
}

// commitLoop is the committer goroutine. It returns when the store closes,
// after answering every request it took.
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

// commit runs the batch in one transaction and answers every request in it:
// with its own outcome if the transaction commits, else with the commit error.
func (s *Store) commit(batch []*request) {
	results := make([]result, len(batch))
	err := s.db.Update(func(tx *bolt.Tx) error {
		for i, r := range batch {
			res, changes := run(r.op, tx)
			if err := apply(tx, changes); err != nil {
				// A write that passed checkChanges failed: the transaction
				// may hold part of it, so none of it can commit.
				return err
			}
			results[i] = res
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("boltstore: commit: %w", err)
		for i := range results {
			results[i] = result{err: err}
		}
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// run runs o and returns its outcome and, if it succeeded, the changes to
// apply. A panic in o (in an Update's fn) fails only its own request.
func run(o op, tx *bolt.Tx) (res result, changes []change) {
	defer func() {
		if p := recover(); p != nil {
			res, changes = result{panicked: p}, nil
		}
	}()
	job, changes, err := o(tx)
	if err == nil {
		err = checkChanges(changes)
	}
	if err != nil {
		return result{job: job, err: err}, nil
	}
	return result{job: job}, changes
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
