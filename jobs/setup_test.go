package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/testclock"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/jobs/memstore"
)

// fixture is a domain wired over an in-memory store that keeps the port's
// contract, with a manual clock and a recording invoker.
type fixture struct {
	types     *jobs.Registry
	logger    *slog.Logger
	store     *memstore.Store
	hub       *jobs.Hub
	clock     *testclock.Manual
	invoker   *recordingInvoker
	config    jobs.ServiceConfig // service's; tests change it to make another
	service   *jobs.Service
	processor *jobs.Processor
}

func setup(t *testing.T, types ...jobs.Type) *fixture {
	t.Helper()
	store := memstore.New()
	reg, err := jobs.NewRegistry(types...)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := &fixture{types: reg, logger: logger, store: store, hub: jobs.NewHub(), clock: testclock.New(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)), invoker: &recordingInvoker{}}
	var n atomic.Int64
	f.config = jobs.ServiceConfig{
		Store: store, Types: reg, Invoker: f.invoker, Notifier: f.hub, Watcher: f.hub, Clock: f.clock,
		Retention: time.Hour, Logger: logger, Encode: jobjson.Append, CursorKey: []byte("a test key of thirty-two bytes.."),
		NewID: func() string { return "job-" + string(rune('a'+n.Add(1))) },
	}
	f.service = jobs.NewService(f.config)
	f.processor = &jobs.Processor{Store: store, Types: reg, Notifier: f.hub, Watcher: f.hub, Clock: f.clock, Logger: logger}
	return f
}

// submit creates a job of the given type and returns it.
func (f *fixture) submit(t *testing.T, typ, params string) jobs.Job {
	t.Helper()
	j, _, err := f.service.Submit(context.Background(), jobs.SubmitRequest{Type: typ, Parameters: json.RawMessage(params)})
	if err != nil {
		t.Fatalf("submit %s %s: %v", typ, params, err)
	}
	return j
}

func (f *fixture) get(t *testing.T, id string) jobs.Job {
	t.Helper()
	j, err := f.store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// recordingInvoker remembers what it was asked to invoke, or refuses with err.
type recordingInvoker struct {
	mu  sync.Mutex
	ids []string
	err error
}

func (r *recordingInvoker) Invoke(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.ids = append(r.ids, id)
	return nil
}

var errBoom = errors.New("boom")

// echo is a job type that returns its parameters, or fails as they say.
type echoParams struct {
	Text string `json:"text" validate:"required"`
	Fail string `json:"fail,omitempty" validate:"omitempty,oneof=plain permanent panic block"`
}

func echoType() jobs.Type {
	return jobs.Define("echo", 200*time.Millisecond, func(ctx context.Context, p echoParams, r jobs.Reporter) (any, error) {
		if err := r.Report(ctx, jobs.Progress{Step: "ECHOING", Current: 1, Total: 1}); err != nil {
			return nil, err
		}
		switch p.Fail {
		case "plain":
			return nil, jobs.Errorf("EchoFailed", "echo failed: %w", errBoom)
		case "permanent":
			return nil, jobs.Permanent(jobs.Errorf("EchoRefused", "echo refused"))
		case "panic":
			panic("echo panicked")
		case "block":
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return map[string]string{"echo": p.Text}, nil
	})
}
