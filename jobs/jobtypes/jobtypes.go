// Package jobtypes holds the job types this project ships: sleep (the
// reference sample), fullname (the sync-over-async sample), order (a
// multi-step job that reports progress) and noop (for benchmarks).
package jobtypes

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// Names of the shipped job types. Sleep is the one a body without "type" runs.
const (
	Sleep    = "sleep"
	FullName = "fullname"
	Order    = "order"
	Noop     = "noop"
)

// MaxSleepSeconds is the processing limit of the sleep job: above it the job
// fails on purpose, which is how users exercise the failure path.
const MaxSleepSeconds = 300

// Config tunes the shipped types; tests shrink the durations.
type Config struct {
	Second    time.Duration // how long one "second" of the sleep job lasts
	OrderStep time.Duration // the pause between two steps of an order
}

// DefaultConfig is real time.
func DefaultConfig() Config { return Config{Second: time.Second, OrderStep: 500 * time.Millisecond} }

// New returns a registry of every shipped type.
func New(cfg Config) (*jobs.Registry, error) {
	return jobs.NewRegistry(
		jobs.Define(Sleep, (MaxSleepSeconds+10)*cfg.Second, sleepJob(cfg.Second)).Describe(fmt.Sprintf(
			`The sample job: sleeps, then results in {"message": "I slept for N seconds"}. Values above the processing limit (%d) `+
				`are accepted and fail in the processor on purpose (error type SecondsAboveLimit), to exercise the failure path.`, MaxSleepSeconds)),
		jobs.Define(FullName, 10*time.Second, fullName).Describe(
			`Results in {"fullname": "<name> <surname>"}.`),
		jobs.Define(Order, time.Minute+10*cfg.OrderStep, orderJob(cfg.OrderStep)).Describe(
			`A delivery workflow that reports the progress steps `+strings.Join(OrderSteps[:len(OrderSteps)-1], ", ")+
				` and `+OrderSteps[len(OrderSteps)-1]+`, then results in {"orderId": "<orderId>", "status": "`+OrderSteps[len(OrderSteps)-1]+`"}.`),
		jobs.Define(Noop, 10*time.Second, noop).Describe(`Does nothing; results in {}.`),
	)
}

// SleepParams are the parameters of the sleep job, the reference sample's body.
type SleepParams struct {
	Seconds *int `json:"seconds" validate:"required,min=1" jsonschema:"description=How many seconds to sleep."`
}

func sleepJob(second time.Duration) func(context.Context, SleepParams, jobs.Reporter) (any, error) {
	return func(ctx context.Context, p SleepParams, _ jobs.Reporter) (any, error) {
		n := *p.Seconds
		if n > MaxSleepSeconds {
			return nil, jobs.Errorf("SecondsAboveLimit",
				"cannot sleep for %d seconds: the processing limit is %d seconds", n, MaxSleepSeconds)
		}
		if err := pause(ctx, time.Duration(n)*second); err != nil {
			return nil, err
		}
		return map[string]string{"message": fmt.Sprintf("I slept for %d seconds", n)}, nil
	}
}

// FullNameParams are the parameters of the fullname job.
type FullNameParams struct {
	Name    string `json:"name" validate:"required,max=200" jsonschema:"description=The given name."`
	Surname string `json:"surname" validate:"required,max=200" jsonschema:"description=The family name."`
}

func fullName(_ context.Context, p FullNameParams, _ jobs.Reporter) (any, error) {
	return map[string]string{"fullname": p.Name + " " + p.Surname}, nil
}

// OrderParams are the parameters of the order job.
type OrderParams struct {
	OrderID string `json:"orderId" validate:"required,max=100" jsonschema:"description=The order's id (returned in the result)."`
	Items   int    `json:"items,omitempty" validate:"omitempty,min=1,max=1000" jsonschema:"description=How many items the order holds; 0 or left out means not given."`
}

// OrderSteps are the steps an order goes through, reported as progress.
var OrderSteps = []string{"PAID", "PREPARING", "OUT_FOR_DELIVERY", "DELIVERED"}

func orderJob(step time.Duration) func(context.Context, OrderParams, jobs.Reporter) (any, error) {
	return func(ctx context.Context, p OrderParams, r jobs.Reporter) (any, error) {
		for i, name := range OrderSteps {
			if i > 0 {
				if err := pause(ctx, step); err != nil {
					return nil, err
				}
			}
			if err := r.Report(ctx, jobs.Progress{Step: name, Current: i + 1, Total: len(OrderSteps)}); err != nil {
				return nil, fmt.Errorf("report step %s: %w", name, err)
			}
		}
		return map[string]string{"orderId": p.OrderID, "status": OrderSteps[len(OrderSteps)-1]}, nil
	}
}

// NoopParams are empty: the noop job takes nothing.
type NoopParams struct{}

func noop(context.Context, NoopParams, jobs.Reporter) (any, error) { return struct{}{}, nil }

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
