package errorhandling_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

type fixture struct {
	store   *boltstore.Store
	hub     *jobs.Hub
	handler *errorhandling.Handler
	clock   fixedClock
}

func setup(t *testing.T) *fixture {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "jobs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := &fixture{store: store, hub: jobs.NewHub(), clock: fixedClock{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}}
	f.handler = &errorhandling.Handler{Store: store, Notifier: f.hub, Clock: f.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return f
}

// running stores a job that is Running after its first attempt.
func (f *fixture) running(t *testing.T, id string) jobs.Job {
	t.Helper()
	j := jobs.Job{
		ID: id, Type: "sleep", Status: jobs.StatusRunning, Parameters: json.RawMessage(`{"seconds":301}`),
		Attempts: 1, CreatedAt: f.clock.t, UpdatedAt: f.clock.t, StartedAt: f.clock.t, ExpiresAt: f.clock.t.Add(time.Hour), Seq: 2,
	}
	stored, err := f.store.Create(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

func record(jobID, condition string, response *destination.ResponsePayload) destination.Record {
	return destination.Record{
		Version:   "1.0",
		Timestamp: time.Date(2026, 11, 22, 10, 0, 1, 0, time.UTC),
		RequestContext: destination.RequestContext{
			RequestID: "req-1", FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:jobs-processor:$LATEST",
			Condition: condition, ApproximateInvokeCount: 1,
		},
		RequestPayload:  json.RawMessage(`{"jobId":"` + jobID + `"}`),
		ResponsePayload: response,
	}
}

func TestHandlerRecordsTheFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		rec       destination.Record
		wantError jobs.ErrorInfo
	}{
		{
			name: "retries exhausted",
			rec: record("a", jobs.ConditionRetriesExhausted, &destination.ResponsePayload{
				ErrorType: "SecondsAboveLimit", ErrorMessage: "cannot sleep for 301 seconds",
			}),
			wantError: jobs.ErrorInfo{Type: "SecondsAboveLimit", Message: "cannot sleep for 301 seconds", Condition: jobs.ConditionRetriesExhausted},
		},
		{
			name: "event age exceeded",
			rec:  record("a", jobs.ConditionEventAgeExceeded, nil),
			wantError: jobs.ErrorInfo{Type: jobs.ConditionEventAgeExceeded, Condition: jobs.ConditionEventAgeExceeded,
				Message: "the job waited longer than the maximum event age and was not run again"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			before := f.running(t, "a")
			changes, stop := f.hub.Watch(t.Context(), "a")
			defer stop()
			if err := f.handler.Handle(context.Background(), tt.rec); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			got, err := f.store.Get(context.Background(), "a")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != jobs.StatusFailure || got.Error == nil || *got.Error != tt.wantError {
				t.Fatalf("job %s error %+v, want Failure %+v", got.Status, got.Error, tt.wantError)
			}
			if string(got.Parameters) != string(before.Parameters) || got.Seq != before.Seq+1 || !got.FinishedAt.Equal(f.clock.t) {
				t.Fatalf("parameters %s seq %d finishedAt %s", got.Parameters, got.Seq, got.FinishedAt)
			}
			if c := <-changes; c.Seq != got.Seq {
				t.Fatalf("notified seq %d, want the Failure's, %d", c.Seq, got.Seq)
			}
		})
	}
}

func TestHandlerIsIdempotent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.running(t, "a")
	rec := record("a", jobs.ConditionRetriesExhausted, &destination.ResponsePayload{ErrorType: "X", ErrorMessage: "first"})
	if err := f.handler.Handle(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	first, _ := f.store.Get(context.Background(), "a")
	rec.ResponsePayload.ErrorMessage = "second"
	if err := f.handler.Handle(context.Background(), rec); err != nil {
		t.Fatalf("a second record for a failed job: %v", err)
	}
	again, _ := f.store.Get(context.Background(), "a")
	if again.Seq != first.Seq || again.Error.Message != "first" {
		t.Fatalf("a terminal job changed: seq %d→%d, message %q", first.Seq, again.Seq, again.Error.Message)
	}
	if err := f.handler.Handle(context.Background(), record("gone", jobs.ConditionRetriesExhausted, nil)); err != nil {
		t.Fatalf("record of a missing job: %v", err)
	}
}

func TestHandlerRefusesUnreadableRecords(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, payload := range []string{`{}`, `"x"`, `{"jobId":""}`} {
		rec := record("a", jobs.ConditionRetriesExhausted, nil)
		rec.RequestPayload = json.RawMessage(payload)
		if err := f.handler.Handle(context.Background(), rec); err == nil {
			t.Errorf("payload %s was accepted; it must go on to the archive", payload)
		}
	}
}

// TestHandlerUnwrapsTheErrorHandlersOwnFailure replays what really reaches
// the archive: the error handler's failure record, whose request payload is
// the processor's record, itself wrapped again by a failed replay.
func TestHandlerUnwrapsTheErrorHandlersOwnFailure(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.running(t, "a")
	inner := record("a", jobs.ConditionRetriesExhausted, &destination.ResponsePayload{ErrorType: "SecondsAboveLimit", ErrorMessage: "too long"})
	rec := inner
	for range 2 {
		payload, _ := json.Marshal(rec)
		rec = record("unused", jobs.ConditionRetriesExhausted, &destination.ResponsePayload{ErrorType: "Error", ErrorMessage: "store down"})
		rec.RequestContext.FunctionArn = "arn:aws:lambda:us-east-1:000000000000:function:jobs-error-handler:$LATEST"
		rec.RequestPayload = payload
	}
	if err := f.handler.Handle(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	got, _ := f.store.Get(context.Background(), "a")
	if got.Status != jobs.StatusFailure || got.Error.Type != "SecondsAboveLimit" || got.Error.Message != "too long" {
		t.Fatalf("job %s %+v, want the processor's failure, not the error handler's", got.Status, got.Error)
	}
}
