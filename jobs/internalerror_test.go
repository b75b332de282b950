package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"

	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
	"github.com/asyncjobs/asyncjobs/jobs/localinvoker"
)

// secrets a failure's cause carries: they may go to the log, never to the job.
const (
	panicSecret = "password=hunter2"
	storeSecret = "bolt: disk at /secret/path full"
)

// failingStore fails the writes that would make a job Success or record
// its progress, as a full disk would.
type failingStore struct{ jobs.Store }

func (s failingStore) Update(ctx context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	return s.Store.Update(ctx, id, func(j *jobs.Job) error {
		if err := fn(j); err != nil {
			return err
		}
		if j.Status == jobs.StatusSuccess || j.Progress != nil {
			return errors.New(storeSecret)
		}
		return nil
	})
}

// A failure that is not the job's own reaches the stored job as a generic
// InternalError or Panic, through the whole failure path (processor,
// invoker, destination record, error handler); its cause goes to the log.
func TestInternalErrorTextStaysOutOfTheJob(t *testing.T) {
	t.Parallel()
	leaky := jobs.Define("leaky", time.Minute, func(ctx context.Context, p struct {
		Panic  bool `json:"panic"`
		Report bool `json:"report"`
	}, r jobs.Reporter) (any, error) {
		if p.Panic {
			panic(panicSecret)
		}
		if p.Report {
			if err := r.Report(ctx, jobs.Progress{Step: "HALF", Current: 1, Total: 2}); err != nil {
				return nil, fmt.Errorf("report: %w", err) // the job's code passes it on
			}
		}
		return "done", nil
	})
	for _, tc := range []struct {
		name, params, secret, wantType string
	}{
		{"panic in the job's code", `{"panic":true}`, panicSecret, jobs.ErrorTypePanic},
		{"store error", `{}`, storeSecret, jobs.ErrorTypeInternal},
		{"store error passed on by the job's code", `{"report":true}`, storeSecret, jobs.ErrorTypeInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var log syncbuf.Buffer
			j := runToFailure(t, leaky, tc.params, slog.New(slog.NewTextHandler(&log, nil)))
			if j.Status != jobs.StatusFailure || j.Error == nil {
				t.Fatalf("job %s %+v, want a Failure", j.Status, j.Error)
			}
			if strings.Contains(j.Error.Message, tc.secret) || j.Error.Type != tc.wantType ||
				!strings.Contains(j.Error.Message, "the service's log has the details (job "+j.ID+")") {
				t.Errorf("stored error %+v, want type %s and a generic message", *j.Error, tc.wantType)
			}
			if logged := log.String(); !strings.Contains(logged, tc.secret) || !strings.Contains(logged, "job="+j.ID) {
				t.Errorf("the log lacks the cause %q with the job's id:\n%s", tc.secret, logged)
			}
		})
	}
}

// runToFailure wires the processor and the error handler through the local
// invoker as jobsd does, runs one job of typ and returns it once terminal.
func runToFailure(t *testing.T, typ jobs.Type, params string, logger *slog.Logger) jobs.Job {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "jobs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	reg, err := jobs.NewRegistry(typ)
	if err != nil {
		t.Fatal(err)
	}
	hub, clock := jobs.NewHub(), jobs.SystemClock{}
	inv, err := localinvoker.New(localinvoker.Config{
		Workers: 2, QueueSize: 4, Region: "us-east-1", Account: "000000000000", Clock: clock,
		NewID: func() string { return "req-1" }, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inv.Close(context.Background()) })
	errorHandler := &errorhandling.Handler{Store: store, Notifier: hub, Clock: clock, Logger: logger}
	errorFn, err := inv.Function(localinvoker.FunctionConfig{Name: "errors", Handler: localinvoker.HandlerOf(errorHandler.Handle)})
	if err != nil {
		t.Fatal(err)
	}
	processor := &jobs.Processor{Store: failingStore{store}, Types: reg, Notifier: hub, Watcher: hub, Clock: clock, Logger: logger}
	processorFn, err := inv.Function(localinvoker.FunctionConfig{Name: "processor", Handler: localinvoker.HandlerOf(processor.Handle), OnFailure: errorFn})
	if err != nil {
		t.Fatal(err)
	}
	service := jobs.NewService(jobs.ServiceConfig{
		Store: store, Types: reg, Invoker: localinvoker.JobInvoker{Processor: processorFn}, Notifier: hub, Watcher: hub,
		Clock: clock, Retention: time.Hour, Logger: logger, NewID: func() string { return "job-1" },
	})
	changes, stop := hub.Watch(t.Context(), "job-1")
	defer stop()
	if _, _, err := service.Submit(context.Background(), jobs.SubmitRequest{Type: typ.Name, Parameters: []byte(params)}); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case <-changes:
			j, err := store.Get(context.Background(), "job-1")
			if err != nil {
				t.Fatal(err)
			}
			if j.Status.Terminal() {
				return j
			}
		case <-timeout:
			t.Fatal("the job did not finish")
		}
	}
}
