package emf_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/memstore"
	"github.com/asyncjobs/asyncjobs/metrics/emf"
)

// BenchmarkProcessor is an A/B of one job's handling (a no-op job over the
// memory store) without a Meter and with the EMF one writing to io.Discard.
func BenchmarkProcessor(b *testing.B) {
	for _, tc := range []struct {
		name  string
		meter jobs.Meter
	}{
		{"without", nil},
		{"with EMF", emf.New(io.Discard, emf.DefaultNamespace, jobs.SystemClock{})},
	} {
		b.Run(tc.name, func(b *testing.B) {
			noop := jobs.Define("noop", time.Minute, func(context.Context, struct{}, jobs.Reporter) (any, error) { return struct{}{}, nil })
			types, err := jobs.NewRegistry(noop)
			if err != nil {
				b.Fatal(err)
			}
			store := memstore.New()
			p := &jobs.Processor{Store: store, Types: types, Notifier: jobs.NewHub(), Meter: tc.meter, Clock: jobs.SystemClock{},
				Logger: slog.New(slog.DiscardHandler)}
			ctx, now := context.Background(), time.Now()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				id := fmt.Sprint("job-", i)
				if _, err := store.Create(ctx, jobs.Job{ID: id, Type: "noop", Status: jobs.StatusPending, Parameters: []byte(`{}`),
					CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), Seq: 1}); err != nil {
					b.Fatal(err)
				}
				if err := p.Handle(ctx, jobs.Invocation{JobID: id}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
