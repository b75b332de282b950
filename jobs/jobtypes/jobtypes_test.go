package jobtypes_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
)

type clock struct{}

func (clock) Now() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }

// progressLog keeps every change of the jobs it hears of.
type progressLog struct{ changes chan jobs.Job }

func (p progressLog) Notify(j jobs.Job) { p.changes <- j }

func setup(t *testing.T) (*jobs.Service, *jobs.Processor, jobs.Store, progressLog) {
	t.Helper()
	types, err := jobtypes.New(jobtypes.Config{Second: time.Millisecond, OrderStep: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "jobs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	log := progressLog{changes: make(chan jobs.Job, 64)}
	svc := jobs.NewService(jobs.ServiceConfig{
		Store: store, Types: types, Invoker: nopInvoker{}, Notifier: log, Watcher: jobs.NewHub(), Clock: clock{},
		Retention: time.Hour, NewID: func() string { return "job-1" }, Logger: logger,
	})
	proc := &jobs.Processor{Store: store, Types: types, Notifier: log, Clock: clock{}, Logger: logger}
	return svc, proc, store, log
}

type nopInvoker struct{}

func (nopInvoker) Invoke(context.Context, string) error { return nil }

// process submits one job, runs one attempt and returns the stored result.
func process(t *testing.T, typ, params string) (jobs.Job, progressLog, error) {
	t.Helper()
	svc, proc, store, log := setup(t)
	j, _, err := svc.Submit(context.Background(), jobs.SubmitRequest{Type: typ, Parameters: json.RawMessage(params)})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	attemptErr := proc.Handle(context.Background(), jobs.Invocation{JobID: j.ID})
	got, err := store.Get(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got, log, attemptErr
}

func TestShippedTypesSucceed(t *testing.T) {
	t.Parallel()
	tests := []struct{ typ, params, want string }{
		{jobtypes.Sleep, `{"seconds":1}`, `{"message":"I slept for 1 seconds"}`},
		{jobtypes.Sleep, `{"seconds":300}`, `{"message":"I slept for 300 seconds"}`},
		{jobtypes.FullName, `{"name":"Ada","surname":"Lovelace"}`, `{"fullname":"Ada Lovelace"}`},
		{jobtypes.Order, `{"orderId":"o-1","items":2}`, `{"orderId":"o-1","status":"DELIVERED"}`},
		{jobtypes.Noop, `{}`, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.typ+tt.params, func(t *testing.T) {
			t.Parallel()
			got, _, err := process(t, tt.typ, tt.params)
			if err != nil || got.Status != jobs.StatusSuccess || string(got.Results) != tt.want {
				t.Fatalf("%s %s: %s %s (attempt error %v), want Success %s", tt.typ, tt.params, got.Status, got.Results, err, tt.want)
			}
		})
	}
}

func TestSleepAboveTheLimitFailsTheAttempt(t *testing.T) {
	t.Parallel()
	got, _, err := process(t, jobtypes.Sleep, `{"seconds":301}`)
	if err == nil || jobs.ErrorType(err) != "SecondsAboveLimit" || jobs.IsPermanent(err) {
		t.Fatalf("attempt error %v (type %s), want a retryable SecondsAboveLimit", err, jobs.ErrorType(err))
	}
	if err.Error() != "cannot sleep for 301 seconds: the processing limit is 300 seconds" {
		t.Fatalf("reason %q", err.Error())
	}
	if got.Status != jobs.StatusRunning {
		t.Fatalf("status %s: the error handler, not the processor, records the failure", got.Status)
	}
}

func TestOrderReportsEveryStep(t *testing.T) {
	t.Parallel()
	_, log, err := process(t, jobtypes.Order, `{"orderId":"o-1"}`)
	if err != nil {
		t.Fatal(err)
	}
	close(log.changes)
	var steps []string
	lastSeq := int64(0)
	for c := range log.changes {
		if c.Seq <= lastSeq {
			t.Fatalf("seq went from %d to %d", lastSeq, c.Seq)
		}
		lastSeq = c.Seq
		if c.Progress != nil && (len(steps) == 0 || steps[len(steps)-1] != c.Progress.Step) {
			steps = append(steps, c.Progress.Step)
		}
	}
	if len(steps) != len(jobtypes.OrderSteps) {
		t.Fatalf("steps %v, want %v", steps, jobtypes.OrderSteps)
	}
	for i := range steps {
		if steps[i] != jobtypes.OrderSteps[i] {
			t.Fatalf("steps %v, want %v", steps, jobtypes.OrderSteps)
		}
	}
}

func TestParametersAreValidated(t *testing.T) {
	t.Parallel()
	types, err := jobtypes.New(jobtypes.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ typ, params, field, rule string }{
		{jobtypes.Sleep, `{}`, "seconds", "required"},
		{jobtypes.Sleep, `{"seconds":null}`, "seconds", "required"},
		{jobtypes.Sleep, `{"seconds":0}`, "seconds", "min"},
		{jobtypes.Sleep, `{"seconds":-4}`, "seconds", "min"},
		{jobtypes.Sleep, `{"seconds":"x"}`, "seconds", "type"},
		{jobtypes.Sleep, `{"seconds":1.5}`, "seconds", "type"},
		{jobtypes.Sleep, `{"seconds":1,"minutes":2}`, "minutes", "unknown"},
		{jobtypes.Sleep, `{"seconds":`, "", "json"},
		{jobtypes.FullName, `{"name":"Ada"}`, "surname", "required"},
		{jobtypes.Order, `{"orderId":"o","items":0}`, "orderId", ""},
		{jobtypes.Order, `{"items":2}`, "orderId", "required"},
		{jobtypes.Noop, `{"x":1}`, "x", "unknown"},
	}
	for _, tt := range tests {
		_, err := types.Parameters(tt.typ, json.RawMessage(tt.params))
		if tt.rule == "" { // valid: items 0 means "not given"
			if err != nil {
				t.Errorf("%s %s: %v, want valid", tt.typ, tt.params, err)
			}
			continue
		}
		var verr *jobs.ValidationError
		if !errors.As(err, &verr) || verr.Fields[0].Field != tt.field || verr.Fields[0].Rule != tt.rule {
			t.Errorf("%s %s: %v, want field %q rule %q", tt.typ, tt.params, err, tt.field, tt.rule)
			continue
		}
		if verr.Fields[0].Message == "" {
			t.Errorf("%s %s: no message", tt.typ, tt.params)
		}
	}
}
