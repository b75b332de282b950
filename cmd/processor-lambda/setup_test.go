package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/metrics/emf"
)

// The job of testdata/async-invocation.json, submitted at created by owner.
const (
	jobID = "0192f0a4-6b1e-7c3d-9a2b-5e4f3a2b1c0d"
	owner = "arn:aws:iam::123456789012:user/postman"
)

var created = time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return created.Add(time.Minute) }

// recorder is a push.Publisher that keeps every event, as the job JSON it is.
type recorder struct {
	mu     sync.Mutex
	events []published
}

type published struct {
	channel string
	job     jobjson.Job
}

func (r *recorder) Publish(_ context.Context, channel string, events []json.RawMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range events {
		var j jobjson.Job
		if err := json.Unmarshal(e, &j); err != nil {
			return err
		}
		r.events = append(r.events, published{channel: channel, job: j})
	}
	return nil
}

func (r *recorder) published() []published {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]published(nil), r.events...)
}

// fixture reads a file of testdata.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// openStore opens a bbolt store (a real jobs.Store) in dir.
func openStore(t *testing.T, dir string) *boltstore.Store {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(dir, "jobs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// seed stores the Pending sleep job of the fixture with the given parameters.
func seed(t *testing.T, store jobs.Store, params string) {
	t.Helper()
	_, err := store.Create(t.Context(), jobs.Job{
		ID: jobID, Owner: owner, Type: jobtypes.Sleep, Status: jobs.StatusPending, Parameters: json.RawMessage(params),
		CreatedAt: created, UpdatedAt: created, ExpiresAt: created.Add(7 * 24 * time.Hour), Seq: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// setup returns the function's handler over a fresh store, with the sleep
// job's second shrunk to a millisecond, and what it publishes to.
func setup(t *testing.T) (*handler, *boltstore.Store, *recorder) {
	t.Helper()
	h, store, rec, _ := setupMetered(t)
	return h, store, rec
}

// setupMetered is setup, and returns where the function writes its EMF metrics.
func setupMetered(t *testing.T) (*handler, *boltstore.Store, *recorder, *syncbuf.Buffer) {
	t.Helper()
	store := openStore(t, t.TempDir())
	t.Cleanup(func() { store.Close() })
	rec, metrics := &recorder{}, &syncbuf.Buffer{}
	h := newTestHandler(t, store, rec, metrics)
	return h, store, rec, metrics
}

func newTestHandler(t *testing.T, store jobs.Store, rec *recorder, metrics *syncbuf.Buffer) *handler {
	t.Helper()
	h, err := newHandler(handlerDeps{
		Store: store, Publisher: rec, Namespace: "jobs",
		JobTypes:   jobtypes.Config{Second: time.Millisecond, OrderStep: time.Millisecond},
		CheckEvery: cancelCheckEvery,
		Meter:      emf.New(metrics, "AsyncJobs-test", fixedClock{}),
		Clock:      fixedClock{}, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.notifier.Close(context.Background()) })
	return h
}
