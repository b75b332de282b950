package localinvoker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/localinvoker"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// recorder is a destination that records what it receives, or refuses with err.
type recorder struct {
	records chan destination.Record
	err     error
}

func newRecorder() *recorder {
	return &recorder{records: make(chan destination.Record, 16)}
}

func (d *recorder) Deliver(_ context.Context, rec destination.Record) error {
	d.records <- rec
	return d.err
}

func (d *recorder) next(t *testing.T) destination.Record {
	t.Helper()
	select {
	case rec := <-d.records:
		return rec
	case <-time.After(10 * time.Second):
		t.Fatal("no record reached the destination")
		return destination.Record{}
	}
}

func setup(t *testing.T, workers, queue int) (*localinvoker.Invoker, *clock) {
	t.Helper()
	c := &clock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	var n atomic.Int64
	inv, err := localinvoker.New(localinvoker.Config{
		Workers: workers, QueueSize: queue, Region: "us-east-1", Account: "000000000000", Clock: c,
		NewID:  func() string { return fmt.Sprintf("req-%d", n.Add(1)) },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inv.Close(context.Background()) })
	return inv, c
}

func function(t *testing.T, inv *localinvoker.Invoker, cfg localinvoker.FunctionConfig) *localinvoker.Function {
	t.Helper()
	fn, err := inv.Function(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fn
}

// failing fails its first n calls (all, if n < 0) and counts every call.
func failing(n int32, calls *atomic.Int32, done chan<- struct{}) localinvoker.Handler {
	return func(context.Context, json.RawMessage) error {
		c := calls.Add(1)
		if n < 0 || c <= n {
			return jobs.Errorf("Flaky", "attempt %d failed", c)
		}
		close(done)
		return nil
	}
}

func TestRetriesUntilSuccess(t *testing.T) {
	t.Parallel()
	inv, _ := setup(t, 2, 4)
	var calls atomic.Int32
	done := make(chan struct{})
	dest := newRecorder()
	fn := function(t, inv, localinvoker.FunctionConfig{Name: "p", Handler: failing(2, &calls, done), MaxRetries: 2, RetryDelay: time.Millisecond, OnFailure: dest})
	if err := fn.Invoke(context.Background(), json.RawMessage(`{"jobId":"a"}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the third attempt never succeeded")
	}
	if calls.Load() != 3 {
		t.Fatalf("%d calls, want 3", calls.Load())
	}
	select {
	case rec := <-dest.records:
		t.Fatalf("a successful invocation reached the destination: %+v", rec)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestRetriesExhaustedSendsTheDestinationRecord(t *testing.T) {
	t.Parallel()
	for _, retries := range []int{0, 1, 2} {
		t.Run(fmt.Sprint(retries), func(t *testing.T) {
			t.Parallel()
			inv, _ := setup(t, 1, 2)
			var calls atomic.Int32
			dest := newRecorder()
			fn := function(t, inv, localinvoker.FunctionConfig{Name: "proc", Handler: failing(-1, &calls, nil), MaxRetries: retries, RetryDelay: time.Millisecond, OnFailure: dest})
			if err := fn.Invoke(context.Background(), json.RawMessage(`{"jobId":"a"}`)); err != nil {
				t.Fatal(err)
			}
			rec := dest.next(t)
			want := retries + 1
			if int(calls.Load()) != want || rec.RequestContext.ApproximateInvokeCount != want {
				t.Fatalf("calls %d, approximateInvokeCount %d, want %d", calls.Load(), rec.RequestContext.ApproximateInvokeCount, want)
			}
			if rec.Version != "1.0" || rec.RequestContext.Condition != jobs.ConditionRetriesExhausted ||
				rec.RequestContext.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:proc:$LATEST" ||
				rec.RequestContext.RequestID == "" || string(rec.RequestPayload) != `{"jobId":"a"}` {
				t.Fatalf("record %+v", rec)
			}
			if rec.ResponsePayload == nil || rec.ResponsePayload.ErrorType != "Flaky" ||
				rec.ResponsePayload.ErrorMessage != fmt.Sprintf("attempt %d failed", want) ||
				rec.ResponseContext == nil || rec.ResponseContext.FunctionError != "Unhandled" {
				t.Fatalf("response of the record: %+v %+v", rec.ResponseContext, rec.ResponsePayload)
			}
		})
	}
}

func TestEventAgeExceeded(t *testing.T) {
	t.Parallel()
	t.Run("before the first attempt", func(t *testing.T) {
		t.Parallel()
		inv, c := setup(t, 1, 2)
		var calls atomic.Int32
		dest := newRecorder()
		fn := function(t, inv, localinvoker.FunctionConfig{Name: "p", Handler: failing(0, &calls, make(chan struct{})), MaxEventAge: time.Minute, OnFailure: dest})
		if err := fn.Redeliver(context.Background(), json.RawMessage(`{"jobId":"old"}`), c.Now().Add(-2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		rec := dest.next(t)
		if rec.RequestContext.Condition != jobs.ConditionEventAgeExceeded || rec.RequestContext.ApproximateInvokeCount != 0 ||
			rec.ResponsePayload != nil || calls.Load() != 0 {
			t.Fatalf("record %+v after %d calls, want EventAgeExceeded before any call", rec, calls.Load())
		}
	})
	t.Run("before a retry", func(t *testing.T) {
		t.Parallel()
		inv, c := setup(t, 1, 2)
		dest := newRecorder()
		var calls atomic.Int32
		handler := func(context.Context, json.RawMessage) error {
			calls.Add(1)
			c.Add(2 * time.Minute) // the first attempt takes longer than the event may live
			return errors.New("slow failure")
		}
		fn := function(t, inv, localinvoker.FunctionConfig{Name: "p", Handler: handler, MaxRetries: 2, RetryDelay: time.Millisecond, MaxEventAge: time.Minute, OnFailure: dest})
		if err := fn.Invoke(context.Background(), json.RawMessage(`{"jobId":"a"}`)); err != nil {
			t.Fatal(err)
		}
		rec := dest.next(t)
		if rec.RequestContext.Condition != jobs.ConditionEventAgeExceeded || calls.Load() != 1 || rec.RequestContext.ApproximateInvokeCount != 1 {
			t.Fatalf("condition %s after %d calls (count %d), want EventAgeExceeded after 1", rec.RequestContext.Condition, calls.Load(), rec.RequestContext.ApproximateInvokeCount)
		}
		if rec.ResponsePayload == nil || rec.ResponsePayload.ErrorType != "errorString" {
			t.Fatalf("response payload %+v, want the last error named as Lambda's Go runtime names it", rec.ResponsePayload)
		}
	})
}

func TestChainToAFunctionAndItsDestination(t *testing.T) {
	t.Parallel()
	inv, _ := setup(t, 2, 4)
	archive := newRecorder()
	var handled atomic.Int32
	errorFn := function(t, inv, localinvoker.FunctionConfig{
		Name: "errors", OnFailure: archive,
		Handler: localinvoker.HandlerOf(func(_ context.Context, rec destination.Record) error {
			handled.Add(1)
			if rec.RequestContext.Condition != jobs.ConditionRetriesExhausted {
				return fmt.Errorf("unexpected condition %q", rec.RequestContext.Condition)
			}
			return errors.New("error handler is down")
		}),
	})
	processor := function(t, inv, localinvoker.FunctionConfig{
		Name: "proc", OnFailure: errorFn,
		Handler: func(context.Context, json.RawMessage) error { panic("processor bug") },
	})
	if err := processor.Invoke(context.Background(), json.RawMessage(`{"jobId":"a"}`)); err != nil {
		t.Fatal(err)
	}
	rec := archive.next(t)
	if handled.Load() != 1 {
		t.Fatalf("error handler ran %d times, want 1", handled.Load())
	}
	if rec.RequestContext.FunctionArn != errorFn.Arn() || rec.ResponsePayload.ErrorMessage != "error handler is down" {
		t.Fatalf("archive got %+v, want the error handler's failure", rec)
	}
	var inner destination.Record
	if err := json.Unmarshal(rec.RequestPayload, &inner); err != nil {
		t.Fatal(err)
	}
	if inner.RequestContext.FunctionArn != processor.Arn() || inner.ResponsePayload.ErrorType != "Runtime.Panic" ||
		string(inner.RequestPayload) != `{"jobId":"a"}` {
		t.Fatalf("the processor's record inside: %+v", inner)
	}
	// The slot is released just after the destination returns.
	for deadline := time.Now().Add(10 * time.Second); inv.Pending() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d invocations still pending after the chain ended", inv.Pending())
		}
	}
}

func TestFullQueueRefusesAtOnce(t *testing.T) {
	t.Parallel()
	inv, _ := setup(t, 1, 2)
	release := make(chan struct{})
	var ran atomic.Int32
	fn := function(t, inv, localinvoker.FunctionConfig{Name: "p", Handler: func(context.Context, json.RawMessage) error {
		ran.Add(1)
		<-release
		return nil
	}})
	payload := json.RawMessage(`{}`)
	for i := range 2 {
		if err := fn.Invoke(context.Background(), payload); err != nil {
			t.Fatalf("invoke %d: %v", i, err)
		}
	}
	if err := fn.Invoke(context.Background(), payload); !errors.Is(err, jobs.ErrOverloaded) {
		t.Fatalf("third invoke: %v, want ErrOverloaded", err)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for inv.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := fn.Invoke(context.Background(), payload); err != nil {
		t.Fatalf("invoke after the queue drained: %v", err)
	}
}

func TestCloseCancelsWhatOutlivesItsContext(t *testing.T) {
	t.Parallel()
	inv, _ := setup(t, 1, 2)
	started := make(chan struct{})
	fn := function(t, inv, localinvoker.FunctionConfig{Name: "p", Handler: func(ctx context.Context, _ json.RawMessage) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}})
	if err := fn.Invoke(context.Background(), json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := inv.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close: %v, want the deadline", err)
	}
	if err := fn.Invoke(context.Background(), json.RawMessage(`{}`)); !errors.Is(err, jobs.ErrUnavailable) {
		t.Fatalf("invoke after close: %v, want ErrUnavailable", err)
	}
}

func TestFunctionConfigIsChecked(t *testing.T) {
	t.Parallel()
	inv, _ := setup(t, 1, 1)
	h := func(context.Context, json.RawMessage) error { return nil }
	for _, cfg := range []localinvoker.FunctionConfig{
		{Name: "", Handler: h}, {Name: "p"}, {Name: "p", Handler: h, MaxRetries: 3}, {Name: "p", Handler: h, MaxRetries: -1},
	} {
		if _, err := inv.Function(cfg); err == nil {
			t.Errorf("config %+v was accepted", cfg)
		}
	}
}

func TestReservationHoldsAPlace(t *testing.T) {
	t.Parallel()
	inv, _ := setup(t, 1, 1)
	ran, proceed := make(chan json.RawMessage, 1), make(chan struct{})
	fn := function(t, inv, localinvoker.FunctionConfig{Name: "p", Handler: func(_ context.Context, payload json.RawMessage) error {
		ran <- payload
		<-proceed
		return nil
	}})
	r, err := fn.Reserve()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fn.Reserve(); !errors.Is(err, jobs.ErrOverloaded) {
		t.Fatalf("reserve beyond the queue: %v, want ErrOverloaded", err)
	}
	if err := fn.Invoke(context.Background(), json.RawMessage(`{}`)); !errors.Is(err, jobs.ErrOverloaded) {
		t.Fatalf("invoke beyond the queue: %v, want ErrOverloaded", err)
	}
	r.Release()
	r.Release() // once given back, the place is no longer this reservation's
	if inv.Pending() != 0 {
		t.Fatalf("%d pending after the release, want 0", inv.Pending())
	}
	if err := r.Invoke(json.RawMessage(`{}`)); err == nil {
		t.Fatal("a released reservation invoked")
	}

	r, err = fn.Reserve()
	if err != nil {
		t.Fatalf("reserve after the release: %v", err)
	}
	if err := r.Invoke(json.RawMessage(`{"n":1}`)); err != nil {
		t.Fatal(err)
	}
	r.Release() // does nothing: the place is the invocation's until it ends
	if got := string(<-ran); got != `{"n":1}` {
		t.Fatalf("handler got %s", got)
	}
	if inv.Pending() != 1 {
		t.Fatalf("%d pending while the invocation runs, want 1", inv.Pending())
	}
	close(proceed)
}

func TestJobInvokerReserves(t *testing.T) {
	t.Parallel()
	inv, _ := setup(t, 1, 1)
	ran := make(chan string, 1)
	fn := function(t, inv, localinvoker.FunctionConfig{Name: "p", Handler: localinvoker.HandlerOf(
		func(_ context.Context, e jobs.Invocation) error { ran <- e.JobID; return nil })})
	ji := localinvoker.JobInvoker{Processor: fn}
	ctx := context.Background()
	place, err := ji.Reserve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ji.Reserve(ctx); !errors.Is(err, jobs.ErrOverloaded) {
		t.Fatalf("reserve beyond the queue: %v, want ErrOverloaded", err)
	}
	if err := place.Invoke(ctx, "job-1"); err != nil {
		t.Fatal(err)
	}
	place.Release()
	if got := <-ran; got != "job-1" {
		t.Fatalf("processor got job %q, want job-1", got)
	}
}
