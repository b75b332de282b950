package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// Group commit: every write goes to one committer goroutine, which takes all
// the writes waiting at that moment, and the soft changes made since the last
// commit, into one frame of the log (wal.go), so that they share one fsync.

// op is the work of one write request inside a group commit: index lookups
// that decide whether it may go on, and the changes to make, encoded by the
// caller beforehand. It writes nothing itself: the committer takes the
// changes only if op succeeds, which is what lets one request fail without
// touching the others in its commit. The view shows the changes of the
// requests before it in the commit. On failure op may still return a job to
// answer with (the holder of the key for ErrDuplicate).
type op func(v *view) (jobs.Job, []change, error)

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

// CommitObserver hears, from the committer goroutine, of each group commit
// that succeeded: how many write requests went into it and how long it took
// from their batch's start to its answers (the fsync included); and of each
// checkpoint: how many keys it wrote into the data file, how long it took,
// and its error if it failed (the log and the overlay then keep growing
// until one succeeds; Close reports the last one's). It must not block,
// since every write waits for the committer.
type CommitObserver interface {
	Committed(requests int, took time.Duration)
	Checkpointed(keys int, took time.Duration, err error)
}

type request struct {
	op op
	// updates is the id of the job the request updates, if it does: the
	// soft changes of that job waiting for a commit go in with it, under its
	// own changes.
	updates string
	// committed, if set, runs once the commit is durable with the
	// request's changes, under the Store's mutex and in the order of the
	// batch: it brings the jobs the process holds up to date.
	committed func()
	done      chan result // buffered; the committer sends the outcome once
}

type result struct {
	job jobs.Job
	err error
}

// submit hands op to the committer and waits until the commit it went into
// is durable or failed. The context can end the wait for the committer to
// take the request, but not the commit the request is then part of.
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
	// The committer took it into the commit it is about to make: whatever
	// happens there is the outcome.
	res := <-r.done
	return res.job, res.err
}

// commitLoop is the committer goroutine. It returns when the store closes,
// after answering every request it took, writing the soft changes left and
// checkpointing.
func (s *Store) commitLoop() {
	defer close(s.stopped)
	ticker := time.NewTicker(s.checkpointEvery)
	defer ticker.Stop()
	batch := make([]*request, 0, s.maxBatch)
	for {
		select {
		case r := <-s.requests:
			batch = s.collect(append(batch[:0], r))
			s.commit(batch)
			clear(batch) // let the requests be collected
		case <-ticker.C:
			if s.logged.size > 0 {
				s.checkpointErr = s.checkpoint()
			}
		case <-s.quit:
			if s.softWaiting() {
				s.commit(nil)
			}
			if s.logged.size > 0 {
				s.checkpointErr = s.checkpoint()
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

// commit writes the batch, with the soft changes waiting, as one frame of the
// log, and answers every request in it: with its own outcome if the frame is
// durable, else with the error. Soft changes go in first, but those of a job
// that a request of the batch updates go in with that request, so that the
// key of the job is written once; those of a job no longer stored are
// dropped. When the overlay has grown past its bound, commit checkpoints
// before answering.
func (s *Store) commit(batch []*request) {
	var start time.Time
	if s.commits != nil {
		start = time.Now()
	}
	soft := s.takeSoft()
	withRequest := make([][]change, len(batch))
	for i, r := range batch {
		if c, ok := soft[r.updates]; ok && r.updates != "" {
			withRequest[i] = c
			delete(soft, r.updates)
		}
	}
	results := make([]result, len(batch))
	pending := s.batch // the committer's, emptied for each commit
	pending.reset()
	err := s.db.View(func(tx *bolt.Tx) error {
		v := &view{tx: tx, tables: []*table{pending, s.logged}}
		for id, changes := range soft {
			applySoft(v, pending, id, changes)
		}
		for i, r := range batch {
			job, changes, err := r.op(v)
			if err == nil {
				err = checkChanges(changes)
			}
			results[i] = result{job: job, err: err}
			if err != nil {
				// The job's soft changes stand; take them if it is stored.
				applySoft(v, pending, r.updates, withRequest[i])
				continue
			}
			pending.setAll(withRequest[i])
			pending.setAll(changes)
		}
		return nil
	})
	switch {
	case err != nil:
	case s.walErr != nil:
		err = s.walErr
	case pending.size > 0:
		if err = s.log.append(pending.each()); err != nil {
			// What the file holds past the last good frame is unknown:
			// refuse every later write rather than log after it.
			s.walErr = fmt.Errorf("log broken, reopen the store: %w", err)
		}
	}
	if err != nil {
		s.restoreSoft(soft)
		for i, r := range batch {
			s.restoreSoft(map[string][]change{r.updates: withRequest[i]})
		}
		err = fmt.Errorf("boltstore: commit: %w", translate(err))
		for i := range results {
			results[i] = result{err: err}
		}
	} else {
		s.mu.Lock()
		s.logged.merge(pending)
		for i, r := range batch {
			if results[i].err == nil && r.committed != nil {
				r.committed()
			}
		}
		s.mu.Unlock()
		if s.logged.size >= s.checkpointKeys || s.log.size >= maxLogBytes {
			s.checkpointErr = s.checkpoint()
		}
		if s.commits != nil && len(batch) > 0 {
			s.commits.Committed(len(batch), time.Since(start))
		}
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// checkpoint writes the overlay to the data file in one synced transaction,
// then empties the log and the overlay. If it fails, both stay as they are,
// and the next checkpoint tries again.
func (s *Store) checkpoint() error {
	start, keys := time.Now(), s.logged.size
	err := s.writeCheckpoint()
	if s.commits != nil {
		s.commits.Checkpointed(keys, time.Since(start), err)
	}
	return err
}

func (s *Store) writeCheckpoint() error {
	err := s.db.Update(func(tx *bolt.Tx) error { return apply(tx, s.logged.all()) })
	if err != nil {
		return fmt.Errorf("boltstore: checkpoint: %w", err)
	}
	if s.checkpointed != nil {
		s.checkpointed()
	}
	s.mu.Lock()
	s.logged.reset() // its maps keep their room for the next 4096 keys
	s.mu.Unlock()
	if err := s.log.reset(); err != nil {
		return fmt.Errorf("boltstore: checkpoint: %w", err)
	}
	return nil
}

// applySoft takes the soft changes of the job id into pending if the job is
// stored.
func applySoft(v *view, pending *table, id string, changes []change) {
	if len(changes) > 0 && v.Bucket(bucketJobs).Get([]byte(id)) != nil {
		pending.setAll(changes)
	}
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
