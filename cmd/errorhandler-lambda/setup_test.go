package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/metrics/emf"
)

// The job of the fixtures, submitted at created by owner.
const (
	jobID = "0192f0a4-6b1e-7c3d-9a2b-5e4f3a2b1c0d"
	owner = "arn:aws:iam::123456789012:user/postman"
)

var created = time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return created.Add(6 * time.Minute) }

// recorder is a push.Publisher that keeps every event, as the job JSON it is.
type recorder struct {
	mu     sync.Mutex
	events []jobjson.Job
	chans  []string
}

func (r *recorder) Publish(_ context.Context, channel string, events []json.RawMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range events {
		var j jobjson.Job
		if err := json.Unmarshal(e, &j); err != nil {
			return err
		}
		r.events = append(r.events, j)
		r.chans = append(r.chans, channel)
	}
	return nil
}

func (r *recorder) published() ([]string, []jobjson.Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.chans...), append([]jobjson.Job(nil), r.events...)
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

// inputPath is what an EventBridge target's InputPath ("$.a.b") passes on of event.
func inputPath(t *testing.T, event []byte, path string) []byte {
	t.Helper()
	var v any = json.RawMessage(event)
	for _, key := range strings.Split(strings.TrimPrefix(path, "$."), ".") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v.(json.RawMessage), &m); err != nil {
			t.Fatalf("%s at %s: %v", path, key, err)
		}
		v = m[key]
	}
	return v.(json.RawMessage)
}

// setup returns the function's handler over a bbolt store (a real
// jobs.Store) holding the fixtures' job as the processor left it, Running
// after one attempt, and what the handler publishes to.
func setup(t *testing.T) (*handler, *boltstore.Store, *recorder) {
	t.Helper()
	h, store, rec, _ := setupMetered(t)
	return h, store, rec
}

// setupMetered is setup, and returns where the function writes its EMF metrics.
func setupMetered(t *testing.T) (*handler, *boltstore.Store, *recorder, *syncbuf.Buffer) {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "jobs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	_, err = store.Create(t.Context(), jobs.Job{
		ID: jobID, Owner: owner, Type: "sleep", Status: jobs.StatusRunning, Parameters: json.RawMessage(`{"seconds":301}`),
		Attempts: 1, CreatedAt: created, UpdatedAt: created, StartedAt: created, ExpiresAt: created.Add(7 * 24 * time.Hour), Seq: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, metrics := &recorder{}, &syncbuf.Buffer{}
	h := newHandler(handlerDeps{Store: store, Publisher: rec, Namespace: "jobs", Meter: emf.New(metrics, "AsyncJobs-test", fixedClock{}),
		Clock: fixedClock{}, Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { h.notifier.Close(context.Background()) })
	return h, store, rec, metrics
}
