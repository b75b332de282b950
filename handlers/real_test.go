package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// memStore is an in-memory jobs.Store.
type memStore struct {
	mu   sync.Mutex
	jobs map[string]jobs.Job
	keys map[string]string // idempotency key → job id
}

var _ jobs.Store = (*memStore)(nil)

func (s *memStore) Create(_ context.Context, j jobs.Job) (jobs.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.keys[j.IdempotencyKey]; ok {
		return s.jobs[id], jobs.ErrDuplicate
	}
	if j.IdempotencyKey != "" {
		s.keys[j.IdempotencyKey] = j.ID
	}
	s.jobs[j.ID] = j
	return j, nil
}

func (s *memStore) Get(_ context.Context, id string) (jobs.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return jobs.Job{}, jobs.ErrNotFound
	}
	return j, nil
}

func (s *memStore) Update(_ context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	switch {
	case !ok:
		return jobs.Job{}, jobs.ErrNotFound
	case j.Status.Terminal():
		return j, jobs.ErrTerminal
	}
	changed := j
	if err := fn(&changed); err != nil {
		return j, err
	}
	changed.Seq++
	s.jobs[id] = changed
	return changed, nil
}

func (s *memStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, s.jobs[id].IdempotencyKey)
	delete(s.jobs, id)
	return nil
}

// invoker accepts every job, or refuses every job with err.
type invoker struct{ err error }

func (i invoker) Invoke(context.Context, string) error { return i.err }

// quiet is a Notifier and a Watcher that hear nothing.
type quiet struct{}

func (quiet) Notify(jobs.Job) {}

func (quiet) Watch(context.Context, string) (<-chan jobs.Change, func()) { return nil, func() {} }

type fixedClock struct{}

func (fixedClock) Now() time.Time { return epoch }

type sleepParameters struct {
	Seconds *int `json:"seconds" validate:"required,min=1"`
}

// setupReal returns the API over a real *jobs.Service with job types sleep and
// noop, whose dispatches fail with invokeErr, and the store behind it.
func setupReal(t *testing.T, invokeErr error) (http.Handler, *memStore) {
	t.Helper()
	types, err := jobs.NewRegistry(
		jobs.Define("sleep", time.Minute, func(context.Context, sleepParameters, jobs.Reporter) (any, error) { return nil, nil }),
		jobs.Define("noop", time.Minute, func(context.Context, struct{}, jobs.Reporter) (any, error) { return nil, nil }),
	)
	if err != nil {
		t.Fatal(err)
	}
	store := &memStore{jobs: map[string]jobs.Job{}, keys: map[string]string{}}
	var ids atomic.Int64
	svc := jobs.NewService(jobs.ServiceConfig{
		Store: store, Types: types, Invoker: invoker{err: invokeErr}, Notifier: quiet{}, Watcher: quiet{},
		Clock: fixedClock{}, Retention: time.Hour, Logger: slog.New(slog.DiscardHandler),
		NewID: func() string { return fmt.Sprintf("0000-%d", ids.Add(1)) },
	})
	return New(Config{Service: svc}), store
}
