// Package boltstore is the embedded, durable jobs.Store: one bbolt file, for
// running the service on a single machine. Writes go through a group committer,
// so concurrent writes share a transaction and its fsync, and each returns only
// once it is on disk.
package boltstore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/asyncjobs/asyncjobs/jobs"
)

var _ jobs.Store = (*Store)(nil)

// Defaults for the zero Options.
const (
	DefaultTimeout  = time.Second
	DefaultMaxBatch = 512
)

// Options tune a Store.
type Options struct {
	// Timeout is how long Open waits for the lock on the data file, which
	// another process may hold; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxBatch is the most writes committed in one transaction; zero means
	// DefaultMaxBatch.
	MaxBatch int
}

// Store keeps jobs in a bbolt file. It is safe for concurrent use.
type Store struct {
	db       *bolt.DB
	maxBatch int
	requests chan *request // to the committer
	quit     chan struct{} // closed by Close
	stopped  chan struct{} // closed by the committer on its way out

	closeOnce sync.Once
	closeErr  error
}

// errClosed is what the methods of a closed Store return.
var errClosed = fmt.Errorf("boltstore: store closed: %w", jobs.ErrUnavailable)

// Open opens the data file at path, creating it if needed. Only one process
// can have it open at a time.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout < 0 || opts.MaxBatch < 0 {
		return nil, fmt.Errorf("boltstore: open %s: negative option in %+v", path, opts)
	}
	timeout := cmp.Or(opts.Timeout, DefaultTimeout)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: open %s: the data file is in use, probably by a running jobsd (no lock within %s): %w", path, timeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketJobs, bucketIdempotency, bucketExpiry, bucketUnfinished} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("boltstore: open %s: %w", path, err), db.Close())
	}
	s := &Store{
		db:       db,
		maxBatch: cmp.Or(opts.MaxBatch, DefaultMaxBatch),
		requests: make(chan *request),
		quit:     make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	go s.commitLoop()
	return s, nil
}

// Close waits for the writes in flight, refuses new ones with an error that
// wraps jobs.ErrUnavailable, and closes the file.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.quit)
		<-s.stopped
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("boltstore: close: %w", err)
		}
	})
	return s.closeErr
}

// Get returns the job or an error wrapping jobs.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (jobs.Job, error) {
	if err := ctx.Err(); err != nil {
		return jobs.Job{}, fmt.Errorf("boltstore: get job %s: %w", id, err)
	}
	var j jobs.Job
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		j, err = getJob(tx, id)
		return err
	})
	if err != nil {
		return jobs.Job{}, translate(fmt.Errorf("boltstore: get job %s: %w", id, err))
	}
	return j, nil
}

// Create stores j as it is and returns it as stored.
// When an unexpired job holds j's IdempotencyKey, it stores nothing and
// returns that job with an error wrapping jobs.ErrDuplicate; a job whose
// ExpiresAt is not after j.CreatedAt no longer holds its key. An id that
// exists already is an error wrapping jobs.ErrConflict.
func (s *Store) Create(ctx context.Context, j jobs.Job) (jobs.Job, error) {
	if j.ID == "" {
		return jobs.Job{}, errors.New("boltstore: create job: empty id")
	}
	return s.submit(ctx, createOp(j))
}

func createOp(j jobs.Job) op {
	return func(tx *bolt.Tx) (jobs.Job, []change, error) {
		return create(tx, j)
	}
}

func create(tx *bolt.Tx, j jobs.Job) (jobs.Job, []change, error) {
	var changes []change
	if j.IdempotencyKey != "" {
		key := idempotencyKey(j)
		if holderID := tx.Bucket(bucketIdempotency).Get(key); holderID != nil {
			holder, err := getJob(tx, string(holderID))
			if err == nil && !holder.Expired(j.CreatedAt) {
				return holder, nil, fmt.Errorf("boltstore: create job %s: idempotency key held by job %s: %w", j.ID, holder.ID, jobs.ErrDuplicate)
			}
			if err != nil && !errors.Is(err, jobs.ErrNotFound) {
				return jobs.Job{}, nil, fmt.Errorf("boltstore: create job %s: get idempotency key holder: %w", j.ID, err)
			}
		}
		changes = append(changes, put(bucketIdempotency, key, []byte(j.ID)))
	}
	if tx.Bucket(bucketJobs).Get([]byte(j.ID)) != nil {
		return jobs.Job{}, nil, fmt.Errorf("boltstore: create job %s: id exists: %w", j.ID, jobs.ErrConflict)
	}
	stored, err := putChanges(nil, j)
	if err != nil {
		return jobs.Job{}, nil, fmt.Errorf("boltstore: create job %s: %w", j.ID, err)
	}
	return j, append(stored, changes...), nil
}

// Update stores what jobs.Job.Next makes of the job with fn: Seq one more,
// ID, Owner and IdempotencyKey kept, a terminal job returned with an error
// wrapping jobs.ErrTerminal without calling fn, an error from fn returned as it
// is, with the job unchanged. A missing job is an error wrapping
// jobs.ErrNotFound.
//
// fn runs inside the committer's transaction, so it holds up every other write
// while it runs and must not write to the store itself. If it panics, Update
// panics with the same value and the other writes go on.
func (s *Store) Update(ctx context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	return s.submit(ctx, updateOp(id, fn))
}

func updateOp(id string, fn func(*jobs.Job) error) op {
	return func(tx *bolt.Tx) (jobs.Job, []change, error) {
		data := tx.Bucket(bucketJobs).Get([]byte(id))
		if data == nil {
			return jobs.Job{}, nil, fmt.Errorf("boltstore: update job %s: %w", id, jobs.ErrNotFound)
		}
		old, err := decode(data)
		if err != nil {
			return jobs.Job{}, nil, fmt.Errorf("boltstore: update job %s: %w", id, err)
		}
		// decode copied out of bbolt's pages, and Next works on a copy of old.
		j, err := old.Next(fn)
		if err != nil {
			return old, nil, err
		}
		changes, err := putChanges(&old, j)
		if err != nil {
			return old, nil, fmt.Errorf("boltstore: update job %s: %w", id, err)
		}
		return j, changes, nil
	}
}

// Delete removes the job and its index entries, its idempotency key included;
// a missing job is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	_, err := s.submit(ctx, deleteOp(id))
	return err
}

func deleteOp(id string) op {
	return func(tx *bolt.Tx) (jobs.Job, []change, error) {
		changes, err := deleteChanges(tx, id)
		if err != nil {
			return jobs.Job{}, nil, fmt.Errorf("boltstore: delete job %s: %w", id, err)
		}
		return jobs.Job{}, changes, nil
	}
}

// Unfinished returns every job whose status is not terminal, oldest CreatedAt
// first (then by id), for re-driving them after a restart.
func (s *Store) Unfinished(ctx context.Context) ([]jobs.Job, error) {
	var list []jobs.Job
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUnfinished).ForEach(func(id, _ []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			j, err := getJob(tx, string(id))
			if err != nil {
				return fmt.Errorf("job %s: %w", id, err)
			}
			list = append(list, j)
			return nil
		})
	})
	if err != nil {
		return nil, translate(fmt.Errorf("boltstore: list unfinished jobs: %w", err))
	}
	slices.SortFunc(list, func(a, b jobs.Job) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return list, nil
}

// getJob returns the stored job or jobs.ErrNotFound.
func getJob(tx *bolt.Tx, id string) (jobs.Job, error) {
	data := tx.Bucket(bucketJobs).Get([]byte(id))
	if data == nil {
		return jobs.Job{}, jobs.ErrNotFound
	}
	return decode(data)
}

// putChanges returns the changes that store j, with the index entries that
// follow from it. old is the version j replaces, nil for a new job.
func putChanges(old *jobs.Job, j jobs.Job) ([]change, error) {
	data, err := encode(j)
	if err != nil {
		return nil, err
	}
	id := []byte(j.ID)
	changes := []change{put(bucketJobs, id, data)}
	if old == nil || !old.ExpiresAt.Equal(j.ExpiresAt) {
		if old != nil && !old.ExpiresAt.IsZero() {
			changes = append(changes, del(bucketExpiry, expiryKey(old.ExpiresAt, old.ID)))
		}
		if !j.ExpiresAt.IsZero() {
			changes = append(changes, put(bucketExpiry, expiryKey(j.ExpiresAt, j.ID), []byte{}))
		}
	}
	if j.Status.Terminal() {
		changes = append(changes, del(bucketUnfinished, id))
	} else {
		changes = append(changes, put(bucketUnfinished, id, []byte{}))
	}
	return changes, nil
}

// deleteChanges returns the changes that delete the job and its index entries;
// none if there is no such job. The idempotency entry goes only if it is still
// the job's: a newer job may have taken the key over.
func deleteChanges(tx *bolt.Tx, id string) ([]change, error) {
	data := tx.Bucket(bucketJobs).Get([]byte(id))
	if data == nil {
		return nil, nil
	}
	j, err := decode(data)
	if err != nil {
		return nil, err
	}
	changes := []change{del(bucketJobs, []byte(id)), del(bucketUnfinished, []byte(id))}
	if !j.ExpiresAt.IsZero() {
		changes = append(changes, del(bucketExpiry, expiryKey(j.ExpiresAt, id)))
	}
	if j.IdempotencyKey != "" {
		key := idempotencyKey(j)
		if bytes.Equal(tx.Bucket(bucketIdempotency).Get(key), []byte(id)) {
			changes = append(changes, del(bucketIdempotency, key))
		}
	}
	return changes, nil
}

// translate turns the error of a closed database into errClosed.
func translate(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return errClosed
	}
	return err
}
