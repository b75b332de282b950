package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/jobs/memstore"
	"github.com/asyncjobs/asyncjobs/metrics/prom"
)

// BenchmarkJob measures the domain's CPU per noop job over an in-memory
// store, wired as jobsd wires it (a Hub as Notifier and Watcher, the log at
// info level): Submit, the processor's attempt, and a Delete that keeps the
// store small.
func BenchmarkJob(b *testing.B) { benchmarkJob(b, nil) }

// BenchmarkJobMetrics is BenchmarkJob without a Meter and with jobsd's
// Prometheus one, side by side: the cost of the job metrics.
func BenchmarkJobMetrics(b *testing.B) {
	b.Run("metrics=false", func(b *testing.B) { benchmarkJob(b, nil) })
	b.Run("metrics=true", func(b *testing.B) { benchmarkJob(b, prom.New([]string{jobtypes.Noop})) })
}

func benchmarkJob(b *testing.B, meter jobs.Meter) {
	reg, err := jobtypes.New(jobtypes.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	store, hub := memstore.New(), jobs.NewHub()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := 0
	svc := jobs.NewService(jobs.ServiceConfig{
		Store: store, Types: reg, Invoker: nopInvoker{}, Notifier: hub, Watcher: hub,
		Clock: jobs.SystemClock{}, Retention: time.Hour, Logger: logger,
		NewID: func() string { n++; return "job-" + strconv.Itoa(n) }, Meter: meter,
	})
	processor := &jobs.Processor{Store: store, Types: reg, Notifier: hub, Watcher: hub, Clock: jobs.SystemClock{}, Logger: logger, Meter: meter}
	ctx := context.Background()
	req := jobs.SubmitRequest{Owner: "bench", Type: jobtypes.Noop, Parameters: []byte(`{}`)}
	for b.Loop() {
		j, _, err := svc.Submit(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if err := processor.Handle(ctx, jobs.Invocation{JobID: j.ID}); err != nil {
			b.Fatal(err)
		}
		if err := store.Delete(ctx, j.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// nopInvoker accepts every job and runs none.
type nopInvoker struct{}

func (nopInvoker) Invoke(context.Context, string) error { return nil }
