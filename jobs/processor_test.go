package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/memstore"
)

func TestProcessorSuccess(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	j := f.submit(t, "echo", `{"text":"hi"}`)
	changes, stop := f.hub.Watch(t.Context(), j.ID)
	defer stop()

	if err := f.processor.Handle(context.Background(), jobs.Invocation{JobID: j.ID}); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	got := f.get(t, j.ID)
	if got.Status != jobs.StatusSuccess || string(got.Results) != `{"echo":"hi"}` {
		t.Fatalf("status %s results %s, want Success {\"echo\":\"hi\"}", got.Status, got.Results)
	}
	// Pending(1) → Running(2) → progress(3) → Success(4).
	if got.Seq != 4 || got.Attempts != 1 || got.Progress == nil || got.Progress.Step != "ECHOING" {
		t.Fatalf("seq %d attempts %d progress %+v", got.Seq, got.Attempts, got.Progress)
	}
	if got.StartedAt.IsZero() || got.FinishedAt.IsZero() || got.Error != nil {
		t.Fatalf("timestamps or error wrong: %+v", got)
	}
	if last := <-changes; last != (jobs.Change{ID: j.ID, Seq: 4}) {
		t.Fatalf("watcher heard of %+v, want the final change, seq 4", last)
	}
}

func TestProcessorFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fail       string
		wantErr    bool
		wantType   string
		wantStatus jobs.Status
	}{
		{fail: "plain", wantErr: true, wantType: "EchoFailed", wantStatus: jobs.StatusRunning},
		{fail: "panic", wantErr: true, wantType: "Panic", wantStatus: jobs.StatusRunning},
		{fail: "block", wantErr: true, wantType: "Timeout", wantStatus: jobs.StatusRunning},
		{fail: "permanent", wantErr: false, wantStatus: jobs.StatusFailure},
	}
	for _, tt := range tests {
		t.Run(tt.fail, func(t *testing.T) {
			t.Parallel()
			f := setup(t, echoType())
			j := f.submit(t, "echo", `{"text":"x","fail":"`+tt.fail+`"}`)
			err := f.processor.Handle(context.Background(), jobs.Invocation{JobID: j.ID})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Handle error = %v, want error: %v", err, tt.wantErr)
			}
			if err != nil && jobs.ErrorType(err) != tt.wantType {
				t.Fatalf("error type %q, want %q (%v)", jobs.ErrorType(err), tt.wantType, err)
			}
			if want := "job echo exceeded its timeout of 200ms"; tt.wantType == "Timeout" && err.Error() != want {
				t.Fatalf("timeout error %q, want %q", err, want)
			}
			got := f.get(t, j.ID)
			if got.Status != tt.wantStatus {
				t.Fatalf("status %s, want %s", got.Status, tt.wantStatus)
			}
			if tt.wantStatus == jobs.StatusFailure &&
				(got.Error == nil || got.Error.Condition != jobs.ConditionPermanentError || got.Error.Type != "EchoRefused") {
				t.Fatalf("error %+v, want EchoRefused / PermanentError", got.Error)
			}
		})
	}
}

func TestProcessorLeavesTerminalJobsAlone(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	j := f.submit(t, "echo", `{"text":"x"}`)
	cancelled, err := f.service.Cancel(context.Background(), "", j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.processor.Handle(context.Background(), jobs.Invocation{JobID: j.ID}); err != nil {
		t.Fatalf("Handle of a cancelled job: %v", err)
	}
	got := f.get(t, j.ID)
	if got.Status != jobs.StatusCancelled || got.Seq != cancelled.Seq || got.Attempts != 0 {
		t.Fatalf("a late delivery changed a terminal job: %+v", got)
	}
	if err := f.processor.Handle(context.Background(), jobs.Invocation{JobID: "missing"}); err != nil {
		t.Fatalf("Handle of a missing job: %v", err)
	}
}

func TestCancelStopsARunningJob(t *testing.T) {
	t.Parallel()
	blocker := jobs.Define("block", time.Minute, func(ctx context.Context, _ struct{}, _ jobs.Reporter) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	f := setup(t, blocker)
	j := f.submit(t, "block", `{}`)
	running, stop := f.hub.Watch(t.Context(), j.ID)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- f.processor.Handle(context.Background(), jobs.Invocation{JobID: j.ID}) }()
	for c := range running {
		if c.Seq >= 2 { // Pending is seq 1; Running, seq 2
			break
		}
	}
	if _, err := f.service.Cancel(context.Background(), "", j.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Handle after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the running job was not stopped by its cancellation")
	}
	if got := f.get(t, j.ID); got.Status != jobs.StatusCancelled {
		t.Fatalf("status %s, want Cancelled", got.Status)
	}
}

func TestProcessorShutdownLeavesJobRunning(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	j := f.submit(t, "echo", `{"text":"x","fail":"block"}`)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	err := f.processor.Handle(ctx, jobs.Invocation{JobID: j.ID})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Handle at shutdown = %v, want context.Canceled", err)
	}
	if got := f.get(t, j.ID); got.Status != jobs.StatusRunning || got.Error != nil {
		t.Fatalf("job after shutdown %s %+v, want Running without error (to be re-driven)", got.Status, got.Error)
	}
}

// In AWS the processor hears of no change: it reads the running job every
// CheckEvery and stops it once it reads Cancelled.
func TestProcessorWithoutWatcherSeesACancellationInTheStore(t *testing.T) {
	t.Parallel()
	stopped := make(chan error, 1)
	blocker := jobs.Define("block", time.Minute, func(ctx context.Context, _ struct{}, _ jobs.Reporter) (any, error) {
		<-ctx.Done()
		stopped <- context.Cause(ctx)
		return nil, ctx.Err()
	})
	f := setup(t, blocker)
	j := f.submit(t, "block", `{}`)
	running, stop := f.hub.Watch(t.Context(), j.ID)
	defer stop()
	p := &jobs.Processor{Store: f.store, Types: f.types, Notifier: f.hub, CheckEvery: 10 * time.Millisecond, Clock: f.clock, Logger: f.logger}
	done := make(chan error, 1)
	go func() { done <- p.Handle(context.Background(), jobs.Invocation{JobID: j.ID}) }()
	for c := range running {
		if c.Seq >= 2 { // Running
			break
		}
	}
	// Cancelled in the store only, as the API function does in another process.
	if _, err := f.store.Update(t.Context(), j.ID, func(j *jobs.Job) error {
		j.Status = jobs.StatusCancelled
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case cause := <-stopped:
		if !errors.Is(cause, jobs.ErrTerminal) {
			t.Errorf("the job's context ended with %v, want ErrTerminal", cause)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the running job did not see its cancellation")
	}
	if err := <-done; err != nil {
		t.Fatalf("Handle after cancel: %v", err)
	}
	if got := f.get(t, j.ID); got.Status != jobs.StatusCancelled {
		t.Fatalf("status %s, want Cancelled", got.Status)
	}
}

// TestCancelRightAfterTheStartStopsTheJob: a cancellation committed between
// the processor's start of a job and the run of its code is heard too.
func TestCancelRightAfterTheStartStopsTheJob(t *testing.T) {
	t.Parallel()
	blocker := jobs.Define("block", time.Second, func(ctx context.Context, _ struct{}, _ jobs.Reporter) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	f := setup(t, blocker)
	j := f.submit(t, "block", `{}`)
	store := &cancelOnStart{Store: f.store, cancel: func(id string) error {
		_, err := f.service.Cancel(context.Background(), "", id)
		return err
	}}
	processor := &jobs.Processor{Store: store, Types: f.types, Notifier: f.hub, Watcher: f.hub, Clock: f.clock, Logger: f.logger}
	if err := processor.Handle(context.Background(), jobs.Invocation{JobID: j.ID}); err != nil {
		t.Fatalf("Handle: %v, want the cancelled job stopped, not run to its end", err)
	}
	if store.err != nil {
		t.Fatal(store.err)
	}
	if got := f.get(t, j.ID); got.Status != jobs.StatusCancelled {
		t.Fatalf("status %s, want Cancelled", got.Status)
	}
}

// cancelOnStart cancels a job as soon as its start is stored, before the
// processor hears back.
type cancelOnStart struct {
	*memstore.Store
	cancel func(id string) error
	err    error
}

func (s *cancelOnStart) UpdateSoft(ctx context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	j, err := s.Store.UpdateSoft(ctx, id, fn)
	if err == nil && j.Status == jobs.StatusRunning {
		s.err = s.cancel(id)
	}
	return j, err
}
