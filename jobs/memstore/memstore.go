// Package memstore is a jobs.Store in memory, for tests of the code above
// the port (handlers, the Service): it keeps the port's whole contract, as
// the conformance suite in jobs/storetest checks, and nothing outlives it.
package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// Store keeps jobs in a map. It is safe for concurrent use; the zero value
// is not: use New.
type Store struct {
	mu   sync.Mutex
	jobs map[string]jobs.Job
	keys map[ownerKey]string // idempotency key of an owner → job id
}

// ownerKey is an idempotency key, which is unique per owner.
type ownerKey struct{ owner, key string }

var (
	_ jobs.Store         = (*Store)(nil)
	_ jobs.EncodedReader = (*Store)(nil)
	_ jobs.SoftUpdater   = (*Store)(nil)
)

// New returns an empty Store.
func New() *Store {
	return &Store{jobs: map[string]jobs.Job{}, keys: map[ownerKey]string{}}
}

// Create stores a copy of j as it is. When an unexpired job of j's Owner
// holds j's IdempotencyKey, it stores nothing and returns that job with an
// error wrapping jobs.ErrDuplicate; an id that exists is an error wrapping
// jobs.ErrConflict.
func (s *Store) Create(ctx context.Context, j jobs.Job) (jobs.Job, error) {
	if err := ctx.Err(); err != nil {
		return jobs.Job{}, fmt.Errorf("memstore: create job %s: %w", j.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := ownerKey{j.Owner, j.IdempotencyKey}
	if j.IdempotencyKey != "" {
		if holder, ok := s.jobs[s.keys[key]]; ok && !holder.Expired(j.CreatedAt) {
			return holder.Clone(), fmt.Errorf("memstore: create job %s: idempotency key held by job %s: %w", j.ID, holder.ID, jobs.ErrDuplicate)
		}
	}
	if _, ok := s.jobs[j.ID]; ok {
		return jobs.Job{}, fmt.Errorf("memstore: create job %s: id exists: %w", j.ID, jobs.ErrConflict)
	}
	j = j.Clone()
	s.jobs[j.ID] = j
	if j.IdempotencyKey != "" {
		s.keys[key] = j.ID
	}
	return j.Clone(), nil
}

// Get returns a copy of the job or an error wrapping jobs.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (jobs.Job, error) {
	if err := ctx.Err(); err != nil {
		return jobs.Job{}, fmt.Errorf("memstore: get job %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return jobs.Job{}, fmt.Errorf("memstore: get job %s: %w", id, jobs.ErrNotFound)
	}
	return j.Clone(), nil
}

// GetEncoded returns the job's public JSON or an error wrapping
// jobs.ErrNotFound.
func (s *Store) GetEncoded(ctx context.Context, id string) (jobs.Encoded, error) {
	j, err := s.Get(ctx, id)
	if err != nil {
		return jobs.Encoded{}, err
	}
	return jobs.Encoded{ID: j.ID, Owner: j.Owner, Status: j.Status, Seq: j.Seq, ExpiresAt: j.ExpiresAt, JSON: jobjson.Append(nil, j)}, nil
}

// UpdateSoft is Update: nothing in memory is durable, so nothing is softer.
func (s *Store) UpdateSoft(ctx context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	return s.Update(ctx, id, fn)
}

// Update stores what jobs.Job.Next makes of the job with fn: Seq one more,
// ID, Owner and IdempotencyKey kept, a terminal job returned with an error
// wrapping jobs.ErrTerminal without calling fn, an error from fn returned as it
// is, with the job unchanged. fn runs
// under the store's lock, so it must not call the store.
func (s *Store) Update(ctx context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	if err := ctx.Err(); err != nil {
		return jobs.Job{}, fmt.Errorf("memstore: update job %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.jobs[id]
	if !ok {
		return jobs.Job{}, fmt.Errorf("memstore: update job %s: %w", id, jobs.ErrNotFound)
	}
	changed, err := old.Next(fn)
	if err != nil {
		return old.Clone(), err
	}
	j := changed.Clone() // fn may keep its pointer to changed
	s.jobs[id] = j
	return j.Clone(), nil
}

// Delete removes the job and, if it still holds it, its idempotency key; a
// missing job is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: delete job %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return nil
	}
	if key := (ownerKey{j.Owner, j.IdempotencyKey}); j.IdempotencyKey != "" && s.keys[key] == id {
		delete(s.keys, key)
	}
	delete(s.jobs, id)
	return nil
}

// List returns the owner's jobs that match q, newest first. It looks at
// every job of the store, so Next is set only when there are more jobs that
// match.
func (s *Store) List(ctx context.Context, q jobs.ListQuery) (jobs.ListPage, error) {
	if err := ctx.Err(); err != nil {
		return jobs.ListPage{}, fmt.Errorf("memstore: list jobs: %w", err)
	}
	s.mu.Lock()
	var matches []jobs.Job
	for _, j := range s.jobs {
		if jobs.Matches(q, j) {
			matches = append(matches, j.Clone())
		}
	}
	s.mu.Unlock()
	slices.SortFunc(matches, func(a, b jobs.Job) int {
		if jobs.PositionOf(a).Before(jobs.PositionOf(b)) {
			return -1
		}
		return 1
	})
	if len(matches) <= q.Limit {
		return jobs.ListPage{Jobs: matches}, nil
	}
	last := jobs.PositionOf(matches[q.Limit-1])
	return jobs.ListPage{Jobs: matches[:q.Limit], Next: &last}, nil
}

// Len is how many jobs the store holds.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.jobs)
}
