package localinvoker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
)

var (
	errNoPayload       = errors.New("localinvoker: empty payload")
	errReservationDone = errors.New("localinvoker: the reservation was already used or released")
)

// Handler is a function's code: it gets the event payload of one attempt.
type Handler func(ctx context.Context, payload json.RawMessage) error

// HandlerOf adapts a typed handler, like the ones lambda.Start takes.
func HandlerOf[E any](handle func(context.Context, E) error) Handler {
	return func(ctx context.Context, payload json.RawMessage) error {
		var event E
		if err := json.Unmarshal(payload, &event); err != nil {
			return fmt.Errorf("decode event: %w", err)
		}
		return handle(ctx, event)
	}
}

// Destination receives the record of an invocation that failed for good.
type Destination interface {
	Deliver(ctx context.Context, rec destination.Record) error
}

// FunctionConfig is a function's asynchronous invocation configuration.
type FunctionConfig struct {
	Name        string
	Handler     Handler
	MaxRetries  int           // 0 to 2, as in Lambda
	RetryDelay  time.Duration // before the first retry; doubled before the second
	MaxEventAge time.Duration // 0: no limit
	OnFailure   Destination   // optional
}

// Function is a handler with its asynchronous invocation configuration,
// run by an Invoker. It is itself a Destination, for chaining.
type Function struct {
	invoker     *Invoker
	name        string
	handler     Handler
	maxRetries  int
	retryDelay  time.Duration
	maxEventAge time.Duration
	onFailure   Destination
}

var _ Destination = (*Function)(nil)

// Function registers a function with the Invoker.
func (i *Invoker) Function(cfg FunctionConfig) (*Function, error) {
	if cfg.Name == "" || cfg.Handler == nil {
		return nil, errors.New("localinvoker: a function needs a name and a handler")
	}
	if cfg.MaxRetries < 0 || cfg.MaxRetries > 2 {
		return nil, fmt.Errorf("localinvoker: function %s: retries must be 0, 1 or 2 (got %d)", cfg.Name, cfg.MaxRetries)
	}
	if cfg.RetryDelay < 0 || cfg.MaxEventAge < 0 {
		return nil, fmt.Errorf("localinvoker: function %s: delays cannot be negative", cfg.Name)
	}
	return &Function{
		invoker: i, name: cfg.Name, handler: cfg.Handler, maxRetries: cfg.MaxRetries,
		retryDelay: cfg.RetryDelay, maxEventAge: cfg.MaxEventAge, onFailure: cfg.OnFailure,
	}, nil
}

// Invoke queues an event for the function and returns at once; it refuses
// with jobs.ErrOverloaded when the queue is full.
func (f *Function) Invoke(_ context.Context, payload json.RawMessage) error {
	if len(payload) == 0 {
		return errNoPayload
	}
	r, err := f.Reserve()
	if err != nil {
		return err
	}
	return r.Invoke(payload)
}

// Reserve holds a place in the queue for one event of the function, without
// waiting: it refuses with jobs.ErrOverloaded when the queue is full. The
// place is the queue's until Invoke fills it or Release gives it back.
func (f *Function) Reserve() (*Reservation, error) {
	if err := f.invoker.acquire(); err != nil {
		return nil, err
	}
	return &Reservation{fn: f}, nil
}

// Reservation is a place held in the queue for one event of a function. It
// is used by one goroutine.
type Reservation struct {
	fn   *Function
	done bool // filled or given back
}

// Invoke queues an event in the reserved place and returns at once.
func (r *Reservation) Invoke(payload json.RawMessage) error {
	switch {
	case r.done:
		return errReservationDone
	case len(payload) == 0:
		return errNoPayload
	}
	r.done = true
	r.fn.invoker.work <- r.fn.newInvocation(payload, r.fn.invoker.cfg.Clock.Now())
	return nil
}

// Release gives the place back, unless Invoke filled it.
func (r *Reservation) Release() {
	if !r.done {
		r.done = true
		r.fn.invoker.release()
	}
}

// Redeliver queues an event that was first sent at enqueuedAt, waiting for
// room in the queue. It serves the re-drive of unfinished work after a restart.
func (f *Function) Redeliver(ctx context.Context, payload json.RawMessage, enqueuedAt time.Time) error {
	if err := f.invoker.acquireWait(ctx); err != nil {
		return err
	}
	f.invoker.work <- f.newInvocation(payload, enqueuedAt)
	return nil
}

// Deliver invokes the function with rec as its event, waiting for room in
// the queue; the Invoker itself hands records over without waiting.
func (f *Function) Deliver(ctx context.Context, rec destination.Record) error {
	payload, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("localinvoker: encode record: %w", err)
	}
	return f.Redeliver(ctx, payload, f.invoker.cfg.Clock.Now())
}

// Arn is the function's ARN as a Lambda record names it.
func (f *Function) Arn() string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s:$LATEST", f.invoker.cfg.Region, f.invoker.cfg.Account, f.name)
}

func (f *Function) newInvocation(payload json.RawMessage, enqueuedAt time.Time) *invocation {
	return &invocation{fn: f, payload: payload, requestID: f.invoker.cfg.NewID(), enqueuedAt: enqueuedAt}
}

// invocation is one event on its way through attempts and retries.
type invocation struct {
	fn         *Function
	payload    json.RawMessage
	requestID  string
	enqueuedAt time.Time
	attempts   int
	lastErr    error
}

// record is the destination invocation record Lambda would send for inv.
func (inv *invocation) record(condition string, now time.Time) destination.Record {
	rec := destination.Record{
		Version:   "1.0",
		Timestamp: now.UTC(),
		RequestContext: destination.RequestContext{
			RequestID:              inv.requestID,
			FunctionArn:            inv.fn.Arn(),
			Condition:              condition,
			ApproximateInvokeCount: inv.attempts,
		},
		RequestPayload: inv.payload,
	}
	if inv.lastErr != nil {
		rec.ResponseContext = &destination.ResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST", FunctionError: "Unhandled"}
		rec.ResponsePayload = &destination.ResponsePayload{ErrorMessage: inv.lastErr.Error(), ErrorType: errorType(inv.lastErr)}
	}
	return rec
}

// errorType names err as Lambda's Go runtime does, unless it names itself.
func errorType(err error) string {
	var named interface{ ErrorType() string }
	if errors.As(err, &named) {
		return named.ErrorType()
	}
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
