package appsync

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
	"github.com/asyncjobs/asyncjobs/push"
)

// watchedSignal is a JobWatcher that tells when a watch is in place.
type watchedSignal struct {
	*JobWatcher
	watching chan struct{}
}

func (w watchedSignal) Watch(ctx context.Context, id string) (<-chan jobs.Change, func()) {
	changes, stop := w.JobWatcher.Watch(ctx, id)
	w.watching <- struct{}{}
	return changes, stop
}

type nopInvoker struct{}

func (nopInvoker) Invoke(context.Context, string) error { return nil }

// A job whose event was cut down to AppSync's limit is answered whole: the
// event wakes the wait, and the job comes from the store.
func TestWaitOverAppSyncAnswersFromTheStore(t *testing.T) {
	t.Parallel()
	f, c := watchSetup(t)
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "jobs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	j, err := store.Create(t.Context(), jobs.Job{
		ID: "job-1", Owner: "alice", Type: "sleep", Status: jobs.StatusRunning, Parameters: json.RawMessage(`{}`),
		CreatedAt: created, UpdatedAt: created, ExpiresAt: time.Now().Add(time.Hour), Seq: 1, // the service reads the wall clock
	})
	if err != nil {
		t.Fatal(err)
	}
	w := watchedSignal{JobWatcher: NewJobWatcher(c, "", nil), watching: make(chan struct{}, 1)}
	svc := jobs.NewService(jobs.ServiceConfig{
		Store: store, Invoker: nopInvoker{}, Notifier: jobs.Notifiers{}, Watcher: w, Clock: jobs.SystemClock{},
		Retention: time.Hour, NewID: func() string { return "job-2" }, Logger: slog.New(slog.DiscardHandler),
	})
	results := json.RawMessage(`{"blob":"` + strings.Repeat("x", push.MaxEventBytes) + `"}`)
	go func() {
		<-w.watching
		// The processor, in another process, finishes the job and publishes it.
		done, err := store.Update(context.Background(), j.ID, func(j *jobs.Job) error {
			j.Status, j.Results, j.FinishedAt = jobs.StatusSuccess, results, created
			return nil
		})
		if err != nil {
			t.Error(err)
			return
		}
		event, err := push.Event(done)
		if err != nil {
			t.Error(err)
			return
		}
		f.deliver("/jobs/job-1", event)
	}()
	start := time.Now()
	got, err := svc.Wait(t.Context(), "alice", j.ID, 20*time.Second, time.Time{})
	if err != nil || got.Status != jobs.StatusSuccess || len(got.Results) != len(results) {
		t.Fatalf("wait: %s with %d bytes of results, %v; want Success with its %d bytes", got.Status, len(got.Results), err, len(results))
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("answered after %s: the event did not wake the wait", elapsed)
	}
}
