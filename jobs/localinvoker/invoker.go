// Package localinvoker runs functions asynchronously in-process with the
// semantics of Lambda's asynchronous invocation: at-least-once delivery,
// 0 to 2 retries with growing delays, a maximum event age, and an on-failure
// destination that receives Lambda's invocation record. Its queue is bounded:
// when full, Invoke refuses at once instead of growing memory.
package localinvoker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// Config sizes an Invoker.
type Config struct {
	Workers   int // invocations that run at once
	QueueSize int // invocations accepted and not finished (queued, running or waiting to retry)
	Region    string
	Account   string
	Clock     jobs.Clock
	NewID     func() string
	Logger    *slog.Logger
}

// Invoker owns the queue and the workers that every Function shares.
type Invoker struct {
	cfg     Config
	slots   chan struct{}    // one per accepted, unfinished invocation
	work    chan *invocation // never blocks: it holds at most cap(slots) items
	ctx     context.Context  // handlers' context; cancelled when Close gives up waiting
	cancel  context.CancelFunc
	quit    chan struct{} // closed by Close: workers take no more work
	closed  atomic.Bool
	workers sync.WaitGroup

	mu     sync.Mutex
	timers map[*time.Timer]*invocation // retries waiting for their delay
}

// New starts an Invoker's workers.
func New(cfg Config) (*Invoker, error) {
	if cfg.Workers < 1 || cfg.QueueSize < cfg.Workers {
		return nil, fmt.Errorf("localinvoker: need at least 1 worker and a queue at least as large (got %d workers, queue %d)", cfg.Workers, cfg.QueueSize)
	}
	ctx, cancel := context.WithCancel(context.Background())
	i := &Invoker{
		cfg:    cfg,
		slots:  make(chan struct{}, cfg.QueueSize),
		work:   make(chan *invocation, cfg.QueueSize),
		ctx:    ctx,
		cancel: cancel,
		quit:   make(chan struct{}),
		timers: make(map[*time.Timer]*invocation),
	}
	i.workers.Add(cfg.Workers)
	for range cfg.Workers {
		go i.worker()
	}
	return i, nil
}

// Close stops taking work and waits for running invocations until ctx ends;
// then it cancels their context and waits for them to return. What was queued
// or waiting to retry is dropped: the store still holds those jobs unfinished,
// and they are re-driven at the next start.
func (i *Invoker) Close(ctx context.Context) error {
	if i.closed.Swap(true) {
		return nil
	}
	close(i.quit)
	i.mu.Lock()
	for t := range i.timers {
		t.Stop()
	}
	clear(i.timers)
	i.mu.Unlock()
	done := make(chan struct{})
	go func() { i.workers.Wait(); close(done) }()
	select {
	case <-done:
		i.cancel()
		return nil
	case <-ctx.Done():
		i.cancel()
		<-done
		return fmt.Errorf("localinvoker: running invocations cancelled: %w", ctx.Err())
	}
}

// Pending is how many invocations are accepted and not finished.
func (i *Invoker) Pending() int { return len(i.slots) }

func (i *Invoker) worker() {
	defer i.workers.Done()
	for {
		select {
		case <-i.quit:
			return
		case inv := <-i.work:
			if i.closed.Load() {
				return
			}
			i.attempt(inv)
		}
	}
}

// attempt runs one delivery of inv and decides what follows it.
func (i *Invoker) attempt(inv *invocation) {
	fn := inv.fn
	if fn.maxEventAge > 0 && i.cfg.Clock.Now().Sub(inv.enqueuedAt) > fn.maxEventAge {
		i.fail(inv, jobs.ConditionEventAgeExceeded)
		return
	}
	inv.attempts++
	err := i.call(inv)
	switch {
	case err == nil:
		i.release()
	case i.ctx.Err() != nil:
		i.release() // shutting down: left for the re-drive at the next start
	case inv.attempts <= fn.maxRetries:
		inv.lastErr = err
		i.retryLater(inv, fn.retryDelay<<(inv.attempts-1))
	default:
		inv.lastErr = err
		i.fail(inv, jobs.ConditionRetriesExhausted)
	}
}

// call runs the handler; a panic is an error, as in Lambda.
func (i *Invoker) call(inv *invocation) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r}
		}
	}()
	return inv.fn.handler(i.ctx, inv.payload)
}

func (i *Invoker) retryLater(inv *invocation, delay time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed.Load() {
		i.release()
		return
	}
	var t *time.Timer
	t = time.AfterFunc(delay, func() {
		i.mu.Lock()
		_, waiting := i.timers[t]
		delete(i.timers, t)
		i.mu.Unlock()
		if waiting {
			i.work <- inv
		}
	})
	i.timers[t] = inv
}

// fail hands the record of a failed invocation to the function's destination.
// A destination Function of this Invoker takes over the invocation's slot.
func (i *Invoker) fail(inv *invocation, condition string) {
	rec := inv.record(condition, i.cfg.Clock.Now())
	logger := i.cfg.Logger.With("function", inv.fn.name, "requestId", inv.requestID, "condition", condition, "attempts", inv.attempts)
	dest := inv.fn.onFailure
	if next, ok := dest.(*Function); ok && next.invoker == i {
		payload, err := json.Marshal(rec)
		if err != nil {
			logger.Error("encode invocation record", "err", err)
			i.release()
			return
		}
		logger.Warn("invocation failed; sent to its destination", "destination", next.name, "err", inv.lastErr)
		i.work <- next.newInvocation(payload, i.cfg.Clock.Now())
		return
	}
	if dest == nil {
		logger.Error("invocation failed and has no destination", "err", inv.lastErr)
	} else if err := dest.Deliver(i.ctx, rec); err != nil {
		body, _ := json.Marshal(rec)
		logger.Error("destination refused the failure record; it is lost", "err", err, "record", string(body))
	} else {
		logger.Warn("invocation failed; record delivered to its destination", "err", inv.lastErr)
	}
	i.release()
}

func (i *Invoker) release() { <-i.slots }

// acquire takes a slot without waiting.
func (i *Invoker) acquire() error {
	if i.closed.Load() {
		return jobs.ErrUnavailable
	}
	select {
	case i.slots <- struct{}{}:
		return nil
	default:
		return jobs.ErrOverloaded
	}
}

// acquireWait takes a slot, waiting for one.
func (i *Invoker) acquireWait(ctx context.Context) error {
	select {
	case i.slots <- struct{}{}:
		return nil
	case <-i.quit:
		return jobs.ErrUnavailable
	case <-ctx.Done():
		return ctx.Err()
	}
}

type panicError struct{ value any }

func (e *panicError) Error() string     { return fmt.Sprintf("panic: %v", e.value) }
func (e *panicError) ErrorType() string { return "Runtime.Panic" }
