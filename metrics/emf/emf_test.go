package emf_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
	"github.com/asyncjobs/asyncjobs/internal/testclock"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/jobs/memstore"
	"github.com/asyncjobs/asyncjobs/metrics/emf"
	"github.com/asyncjobs/asyncjobs/metrics/emf/emftest"
)

var start = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)

// workParams make the work job fail: "plain" (retry) or "permanent".
type workParams struct {
	Fail string `json:"fail"`
}

// fixture is the domain over a memory store with the Meter under test
// writing to out; the work job takes 1.5 s of the manual clock.
type fixture struct {
	clock     *testclock.Manual
	out       *syncbuf.Buffer
	read      int // how much of out lines has read
	service   *jobs.Service
	processor *jobs.Processor
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: testclock.New(start), out: &syncbuf.Buffer{}}
	work := jobs.Define("work", time.Minute, func(_ context.Context, p workParams, _ jobs.Reporter) (any, error) {
		f.clock.Advance(1500 * time.Millisecond)
		switch p.Fail {
		case "plain":
			return nil, jobs.Errorf("Flaky", "try again")
		case "permanent":
			return nil, jobs.Permanent(jobs.Errorf("Broken", "never works"))
		}
		return map[string]string{}, nil
	})
	types, err := jobs.NewRegistry(work)
	if err != nil {
		t.Fatal(err)
	}
	meter := emf.New(f.out, "AsyncJobs-test", f.clock)
	store, hub, logger := memstore.New(), jobs.NewHub(), slog.New(slog.DiscardHandler)
	n := 0
	f.service = jobs.NewService(jobs.ServiceConfig{
		Store: store, Types: types, Invoker: nopInvoker{}, Notifier: hub, Meter: meter, Watcher: hub, Clock: f.clock,
		Retention: time.Hour, Logger: logger, Encode: jobjson.Append, CursorKey: []byte("emf tests' cursor key, 32 bytes."),
		NewID: func() string { n++; return fmt.Sprint("job-", n) },
	})
	f.processor = &jobs.Processor{Store: store, Types: types, Notifier: hub, Meter: meter, Clock: f.clock, Logger: logger}
	return f
}

type nopInvoker struct{}

func (nopInvoker) Invoke(context.Context, string) error { return nil }

func (f *fixture) submit(t *testing.T, params string) string {
	t.Helper()
	j, _, err := f.service.Submit(t.Context(), jobs.SubmitRequest{Type: "work", Parameters: json.RawMessage(params)})
	if err != nil {
		t.Fatal(err)
	}
	return j.ID
}

// units are the metrics' units.
var units = map[string]string{
	emf.MetricSubmitted: "Count", emf.MetricAttempts: "Count", emf.MetricRetries: "Count", emf.MetricFinished: "Count",
	emf.MetricFailureRecords: "Count", emf.MetricFailureRecordsUnhandled: "Count",
	emf.MetricQueueWait: "Milliseconds", emf.MetricRunTime: "Milliseconds", emf.MetricSubmitToFinish: "Milliseconds",
}

// lines parses what the meter wrote since the last call, checking each
// line against the EMF specification.
func (f *fixture) lines(t *testing.T) []string {
	t.Helper()
	out := []byte(f.out.String()[f.read:])
	f.read += len(out)
	parsed, err := emftest.Parse(out)
	if err != nil {
		t.Fatalf("not EMF: %v", err)
	}
	var got []string
	for _, l := range parsed {
		if l.Namespace != "AsyncJobs-test" || l.Timestamp < start.UnixMilli() || l.Timestamp > f.clock.Now().UnixMilli() {
			t.Errorf("namespace %q at %d, want AsyncJobs-test from %s to the clock's now", l.Namespace, l.Timestamp, start)
		}
		for name, unit := range l.Units {
			if want := units[name]; unit != want {
				t.Errorf("%s in %q, want %q", name, unit, want)
			}
		}
		got = append(got, l.String())
	}
	return got
}

// TestLinesOfEachOutcome drives jobs through a real Service and Processor
// and reads back what CloudWatch would extract from the lines.
func TestLinesOfEachOutcome(t *testing.T) {
	t.Parallel()
	const (
		byType   = "[[Type]]"
		byStatus = "[[Type Status] [Status]]"
	)
	tests := map[string]struct {
		run  func(t *testing.T, f *fixture)
		want []string
	}{
		"success": {
			run: func(t *testing.T, f *fixture) {
				id := f.submit(t, `{}`)
				f.clock.Advance(2 * time.Second)
				if err := f.processor.Handle(t.Context(), jobs.Invocation{JobID: id}); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{
				"JobsSubmitted=1 {Type=work} / " + byType,
				"JobAttempts=1 JobRetries=0 QueueWait=2000 {Type=work} / " + byType,
				"JobsFinished=1 RunTime=1500 SubmitToFinish=3500 {Status=Success,Type=work} / " + byStatus,
			},
		},
		"permanent failure": {
			run: func(t *testing.T, f *fixture) {
				id := f.submit(t, `{"fail":"permanent"}`)
				if err := f.processor.Handle(t.Context(), jobs.Invocation{JobID: id}); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{
				"JobsSubmitted=1 {Type=work} / " + byType,
				"JobAttempts=1 JobRetries=0 QueueWait=0 {Type=work} / " + byType,
				"JobsFinished=1 RunTime=1500 SubmitToFinish=1500 {Status=Failure,Type=work} / " + byStatus,
			},
		},
		"retry": {
			run: func(t *testing.T, f *fixture) {
				id := f.submit(t, `{"fail":"plain"}`)
				for range 2 { // Lambda's retry: the job stays Running, for the error handler
					if err := f.processor.Handle(t.Context(), jobs.Invocation{JobID: id}); err == nil {
						t.Fatal("a plain failure was not returned for a retry")
					}
				}
			},
			want: []string{
				"JobsSubmitted=1 {Type=work} / " + byType,
				"JobAttempts=1 JobRetries=0 QueueWait=0 {Type=work} / " + byType,
				"JobAttempts=1 JobRetries=1 {Type=work} / " + byType,
			},
		},
		"cancel": {
			run: func(t *testing.T, f *fixture) {
				id := f.submit(t, `{}`)
				f.clock.Advance(250 * time.Millisecond)
				if _, err := f.service.Cancel(t.Context(), "", id); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{
				"JobsSubmitted=1 {Type=work} / " + byType,
				"JobsFinished=1 SubmitToFinish=250 {Status=Cancelled,Type=work} / " + byStatus, // it never ran: no RunTime
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			tt.run(t, f)
			got := f.lines(t)
			if !slices.Equal(got, tt.want) {
				t.Errorf("lines\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
