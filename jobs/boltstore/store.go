// Package boltstore is the embedded, durable jobs.Store: one bbolt file and its
// write-ahead log, for running the service on a single machine. Writes go
// through a group committer, so concurrent writes share a frame of the log
// and its fsync, and each returns only once it is on disk; checkpoints move
// what the log holds into the bbolt file in large transactions (wal.go). A
// soft update (jobs.SoftUpdater) returns before, and goes to disk with the
// next commit. Callers encode a job's record before the committer sees it,
// which only looks indexes up and writes bytes. The
// unfinished jobs are held in memory (held.go), so updating one decodes
// nothing; a record is a small binary header and the job's public JSON
// (record.go), so that GetEncoded parses only the header.
package boltstore

import (
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

var (
	_ jobs.Store         = (*Store)(nil)
	_ jobs.SoftUpdater   = (*Store)(nil)
	_ jobs.EncodedReader = (*Store)(nil)
)

// Defaults for the zero Options.
const (
	DefaultTimeout  = time.Second
	DefaultMaxBatch = 512
)

// When the committer checkpoints: once the overlay holds checkpointKeys keys,
// the log maxLogBytes, or every checkpointEvery.
const (
	defaultCheckpointKeys  = 4096
	defaultCheckpointEvery = time.Second
	maxLogBytes            = 64 << 20
)

// Options tune a Store.
type Options struct {
	// Timeout is how long Open waits for the lock on the data file, which
	// another process may hold; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxBatch is the most writes committed in one frame of the log; zero means
	// DefaultMaxBatch.
	MaxBatch int
	// Commits, if set, hears of every group commit the log made durable.
	Commits CommitObserver

	checkpointKeys  int           // zero means defaultCheckpointKeys
	checkpointEvery time.Duration // zero means defaultCheckpointEvery
	checkpointed    func()        // a test's hook between a checkpoint's transaction and the log's truncation
}

// Store keeps jobs in a bbolt file and its log. It is safe for concurrent use.
type Store struct {
	db       *bolt.DB
	maxBatch int
	log      *wal           // the committer's only
	batch    *table         // the committer's: the changes of the commit it is making
	commits  CommitObserver // nil: commits are not observed

	checkpointKeys  int
	checkpointEvery time.Duration
	checkpointed    func()
	walErr          error         // the committer's: set when the log failed, and every commit fails since
	checkpointErr   error         // the committer's: of the last checkpoint, which Close reports
	requests        chan *request // to the committer
	quit            chan struct{} // closed by Close
	stopped         chan struct{} // closed by the committer on its way out

	mu     sync.RWMutex
	held   map[string]*entry   // the unfinished jobs held in memory, by id
	soft   map[string][]change // soft changes waiting for a commit, by job id
	logged *table              // the overlay: changes in the log, not yet in the data file; the committer changes it

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
		listable := tx.Bucket(bucketOwners) != nil
		for _, name := range [][]byte{bucketJobs, bucketIdempotency, bucketExpiry, bucketUnfinished, bucketOwners} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		if !listable {
			return fillOwners(tx)
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("boltstore: open %s: %w", path, err), db.Close())
	}
	log, err := recoverLog(db, walPath(path))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("boltstore: open %s: recover the log: %w", path, err), db.Close())
	}
	s := &Store{
		db:              db,
		maxBatch:        cmp.Or(opts.MaxBatch, DefaultMaxBatch),
		log:             log,
		checkpointKeys:  cmp.Or(opts.checkpointKeys, defaultCheckpointKeys),
		checkpointEvery: cmp.Or(opts.checkpointEvery, defaultCheckpointEvery),
		checkpointed:    opts.checkpointed,
		commits:         opts.Commits,
		logged:          newTable(),
		batch:           newTable(),
		requests:        make(chan *request),
		quit:            make(chan struct{}),
		stopped:         make(chan struct{}),
		held:            map[string]*entry{},
		soft:            map[string][]change{},
	}
	go s.commitLoop()
	return s, nil
}

// Close waits for the writes in flight, writes the soft changes, checkpoints,
// refuses new writes with an error that wraps jobs.ErrUnavailable, and closes
// the files.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.quit)
		<-s.stopped
		s.mu.Lock()
		clear(s.held) // reads go to the closed file, and fail
		s.logged = newTable()
		s.mu.Unlock()
		s.closeErr = s.checkpointErr // the log keeps what it did not write: Open replays it
		if err := errors.Join(s.log.close(), s.db.Close()); err != nil {
			s.closeErr = errors.Join(s.closeErr, fmt.Errorf("boltstore: close: %w", err))
		}
	})
	return s.closeErr
}

// Get returns the job or an error wrapping jobs.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (jobs.Job, error) {
	if err := ctx.Err(); err != nil {
		return jobs.Job{}, fmt.Errorf("boltstore: get job %s: %w", id, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.held[id]; e != nil {
		return e.job.Clone(), nil
	}
	j, err := s.readJob(id)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("boltstore: get job %s: %w", id, err)
	}
	return j, nil
}

// GetEncoded returns the job's public JSON as committed, or an error wrapping
// jobs.ErrNotFound. It decodes only the record's header.
func (s *Store) GetEncoded(ctx context.Context, id string) (jobs.Encoded, error) {
	if err := ctx.Err(); err != nil {
		return jobs.Encoded{}, fmt.Errorf("boltstore: get job %s: %w", id, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.held[id]; e != nil {
		return e.encoded(), nil
	}
	var enc jobs.Encoded
	err := s.read(func(v *view) error {
		data := v.Bucket(bucketJobs).Get([]byte(id))
		if data == nil {
			return jobs.ErrNotFound
		}
		var err error
		enc, err = encoded(id, data)
		return err
	})
	if err != nil {
		return jobs.Encoded{}, translate(fmt.Errorf("boltstore: get job %s: %w", id, err))
	}
	return enc, nil
}

// Create stores j as it is and returns it as stored, once it is durable.
// When an unexpired job holds j's IdempotencyKey, it stores nothing and
// returns that job with an error wrapping jobs.ErrDuplicate; a job whose
// ExpiresAt is not after j.CreatedAt no longer holds its key. An id that
// exists already is an error wrapping jobs.ErrConflict.
func (s *Store) Create(ctx context.Context, j jobs.Job) (jobs.Job, error) {
	if j.ID == "" {
		return jobs.Job{}, errors.New("boltstore: create job: empty id")
	}
	e := newEntry(j.Clone())
	r := &request{op: createOp(e), committed: func() {
		if !e.job.Status.Terminal() {
			s.held[j.ID] = e
		}
	}}
	holder, err := s.submit(ctx, r)
	switch {
	case errors.Is(err, jobs.ErrDuplicate):
		if h := s.heldEntry(holder.ID); h != nil { // it may have a soft change the file lacks yet
			s.mu.RLock()
			holder = h.job.Clone()
			s.mu.RUnlock()
		}
		return holder, err
	case err != nil:
		return jobs.Job{}, err
	}
	return j, nil
}

// createOp stores the job of e, which nothing else sees yet.
func createOp(e *entry) op {
	j := e.job
	return func(tx *view) (jobs.Job, []change, error) {
		var changes []change
		if j.IdempotencyKey != "" {
			key := idempotencyKey(j.Owner, j.IdempotencyKey)
			if holderID := tx.Bucket(bucketIdempotency).Get(key); holderID != nil {
				holder, err := keyHolder(tx, string(holderID), j.CreatedAt)
				if err != nil {
					return jobs.Job{}, nil, fmt.Errorf("boltstore: create job %s: %w", j.ID, err)
				}
				if holder != nil {
					return *holder, nil, fmt.Errorf("boltstore: create job %s: idempotency key held by job %s: %w", j.ID, holder.ID, jobs.ErrDuplicate)
				}
			}
			changes = append(changes, put(bucketIdempotency, key, []byte(j.ID)))
		}
		if tx.Bucket(bucketJobs).Get([]byte(j.ID)) != nil {
			return jobs.Job{}, nil, fmt.Errorf("boltstore: create job %s: id exists: %w", j.ID, jobs.ErrConflict)
		}
		return jobs.Job{}, append(recordChanges(nil, j, e.rec), changes...), nil
	}
}

// Update stores what jobs.Job.Next makes of the job with fn, once it is
// durable: Seq one more, ID, Owner and IdempotencyKey kept, a terminal job
// returned with an error wrapping jobs.ErrTerminal without calling fn, an
// error from fn returned as it is, with the job unchanged. A missing job is
// an error wrapping jobs.ErrNotFound.
//
// fn runs in the caller, before the commit; other updates of the same job
// wait for the update to end, updates of other jobs do not. If fn panics,
// Update panics with the same value and the job is unchanged.
func (s *Store) Update(ctx context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	return s.update(ctx, id, fn, false)
}

// UpdateSoft is Update, except that it returns once the change is visible to
// Get, GetEncoded and later updates: the change reaches the file with the
// next commit (of any write, or of Close). A change that makes the job
// terminal is durable before UpdateSoft returns, as with Update.
func (s *Store) UpdateSoft(ctx context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	return s.update(ctx, id, fn, true)
}

func (s *Store) update(ctx context.Context, id string, fn func(*jobs.Job) error, soft bool) (jobs.Job, error) {
	if err := ctx.Err(); err != nil {
		return jobs.Job{}, fmt.Errorf("boltstore: update job %s: %w", id, err)
	}
	e, err := s.lockEntry(id)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("boltstore: update job %s: %w", id, err)
	}
	defer e.lock.Unlock()
	old := e.job // not changed while this holds the lock
	changed, err := old.Next(fn)
	if err != nil {
		return old.Clone(), err
	}
	next := newEntry(changed.Clone()) // fn may keep its pointer to changed
	changes := recordChanges(&old, next.job, next.rec)
	finished := next.job.Status.Terminal()
	// update makes next the version readers see; it runs under s.mu.
	update := func() {
		e.job, e.rec, e.jsonAt = next.job, next.rec, next.jsonAt
		if finished {
			e.gone = true
			delete(s.held, id)
		}
	}
	if soft && !finished {
		s.mu.Lock()
		defer s.mu.Unlock()
		if e.gone { // deleted since lockEntry
			return jobs.Job{}, fmt.Errorf("boltstore: update job %s: %w", id, jobs.ErrNotFound)
		}
		update()
		s.soft[id] = overlay(s.soft[id], changes)
		return changed, nil
	}
	if _, err := s.submit(ctx, &request{op: updateOp(id, changes), updates: id, committed: update}); err != nil {
		return old.Clone(), err
	}
	return changed, nil
}

// updateOp writes changes to a job, if it is still stored.
func updateOp(id string, changes []change) op {
	return func(tx *view) (jobs.Job, []change, error) {
		if tx.Bucket(bucketJobs).Get([]byte(id)) == nil {
			return jobs.Job{}, nil, fmt.Errorf("boltstore: update job %s: %w", id, jobs.ErrNotFound)
		}
		return jobs.Job{}, changes, nil
	}
}

// Delete removes the job and its index entries, its idempotency key included;
// a missing job is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	_, err := s.submit(ctx, &request{op: deleteOp(id), committed: func() { s.forget(id) }})
	return err
}

func deleteOp(id string) op {
	return func(tx *view) (jobs.Job, []change, error) {
		changes, err := deleteChanges(tx, id)
		if err != nil {
			return jobs.Job{}, nil, fmt.Errorf("boltstore: delete job %s: %w", id, err)
		}
		return jobs.Job{}, changes, nil
	}
}

// Unfinished returns every job whose status is not terminal, oldest CreatedAt
// first (then by id), for re-driving them after a restart. It holds them.
func (s *Store) Unfinished(ctx context.Context) ([]jobs.Job, error) {
	var list []jobs.Job
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.read(func(v *view) error {
		for id := range v.Bucket(bucketUnfinished).keys() {
			if err := ctx.Err(); err != nil {
				return err
			}
			e := s.held[string(id)]
			if e == nil {
				j, err := getJob(v, string(id))
				if err != nil {
					return err
				}
				e = newEntry(j)
				s.held[j.ID] = e
			}
			list = append(list, e.job.Clone())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: list unfinished jobs: %w", err)
	}
	slices.SortFunc(list, func(a, b jobs.Job) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return list, nil
}

// translate turns the error of a closed database into errClosed.
func translate(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return errClosed
	}
	return err
}
