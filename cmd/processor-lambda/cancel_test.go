package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
)

// The API function cancels a job in the table only; this function, which
// hears of no change, sees it within cancelCheckEvery and stops the job.
func TestRunningJobStopsWhenCancelledInTheStore(t *testing.T) {
	t.Parallel()
	store := openStore(t, t.TempDir())
	t.Cleanup(func() { store.Close() })
	rec := &recorder{}
	h, err := newHandler(handlerDeps{
		Store: store, Publisher: rec, Namespace: "jobs",
		JobTypes:   jobtypes.Config{Second: 100 * time.Millisecond, OrderStep: time.Millisecond}, // 300 "seconds": 30 s
		CheckEvery: cancelCheckEvery,
		Clock:      fixedClock{}, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, store, `{"seconds":300}`)

	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := lambda.NewHandler(h.handle).Invoke(t.Context(), fixture(t, "async-invocation.json"))
		done <- err
	}()
	for j, _ := store.Get(t.Context(), jobID); j.Status != jobs.StatusRunning; j, _ = store.Get(t.Context(), jobID) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the job did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancelled, err := store.Update(t.Context(), jobID, func(j *jobs.Job) error {
		j.Status = jobs.StatusCancelled
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cancelledAt := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("handler after the cancellation: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the running job did not stop after its cancellation")
	}
	if took := time.Since(cancelledAt); took > cancelCheckEvery+3*time.Second {
		t.Errorf("stopped %s after the cancellation, want within about %s", took, cancelCheckEvery)
	}
	if got, err := store.Get(t.Context(), jobID); err != nil || got.Status != jobs.StatusCancelled || got.Seq != cancelled.Seq {
		t.Errorf("job after the attempt %+v %v, want it as cancelled", got, err)
	}
}
