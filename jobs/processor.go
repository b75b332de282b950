package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Processor runs one attempt of a job: the code the processor function (a
// Lambda in AWS, the local invoker's worker in jobsd) executes per invocation.
type Processor struct {
	Store    Store
	Types    *Registry
	Notifier Notifier
	Meter    Meter   // optional: counts attempts and ends
	Watcher  Watcher // optional: tells at once of a change made elsewhere, such as a cancellation
	// CheckEvery is how often a running job is read from the Store to see
	// whether it was cancelled elsewhere; 0: never, the Watcher and progress
	// reports tell. A processor whose Watcher cannot hear every change (in
	// AWS it has none) needs it.
	CheckEvery time.Duration
	Clock      Clock
	Logger     *slog.Logger
}

// Handle runs one attempt of the job the invocation names. It returns nil when
// the job needs nothing more (it finished, was already terminal, or is gone)
// and an error when the attempt failed and may be retried; the error's
// ErrorType names it for the failure record. The error is the job's own (what
// its code returned) or an *InternalError: the job's failure record, which
// every client reads, never carries the text of a store error, a context
// error or a panic; the log does.
func (p *Processor) Handle(ctx context.Context, inv Invocation) (err error) {
	jobType := "" // known once the start commit has read the job
	defer func() {
		if r := recover(); r != nil {
			err = p.internal(inv.JobID, jobType, ErrorTypeInternal, fmt.Errorf("panic: %v", r), "stack", string(debug.Stack()))
		}
	}()
	// Watched from before the start, so that no change after it (a
	// cancellation) goes unheard while the run is being set up.
	changes, stopWatch := p.watch(ctx, inv.JobID)
	defer stopWatch()
	j, err := p.commits().CommitSoft(ctx, inv.JobID, (*Job).Start) // a restart starts it again
	switch {
	case errors.Is(err, ErrTerminal), errors.Is(err, ErrNotFound):
		p.Logger.Info("job needs no processing", "job", inv.JobID, "type", j.Type, "reason", err) // a gone job's type is ""
		return nil
	case err != nil:
		return p.internal(inv.JobID, "", ErrorTypeInternal, fmt.Errorf("start the job: %w", err))
	}
	jobType = j.Type
	if p.Meter != nil {
		var queueWait time.Duration
		if j.Attempts == 1 {
			queueWait = j.StartedAt.Sub(j.CreatedAt)
		}
		p.Meter.Started(j.Type, j.Attempts, queueWait)
	}

	result, runErr := p.run(ctx, j, changes)
	if ctx.Err() != nil {
		// Shutting down (or out of time in Lambda): the job stays Running and is re-driven.
		return p.internal(j.ID, j.Type, ErrorTypeInternal, context.Cause(ctx))
	}
	if errors.Is(runErr, ErrTerminal) {
		return nil // cancelled while it ran
	}
	if runErr != nil && !IsPermanent(runErr) {
		p.Logger.Warn("job attempt failed", "job", j.ID, "type", j.Type, "attempt", j.Attempts, "err", runErr)
		return runErr
	}
	_, err = p.commits().Commit(ctx, j.ID, func(j *Job, now time.Time) error {
		if runErr != nil {
			return j.Fail(ErrorInfo{Type: ErrorType(runErr), Message: runErr.Error(), Condition: ConditionPermanentError}, now)
		}
		return j.Succeed(result, now)
	})
	switch {
	case errors.Is(err, ErrTerminal) || errors.Is(err, ErrNotFound):
		return nil // cancelled or deleted while it ran: that outcome stands
	case err != nil:
		return p.internal(j.ID, j.Type, ErrorTypeInternal, fmt.Errorf("record the outcome: %w", err))
	}
	return nil
}

// internal logs cause, which is not the job's own failure, with the job's id
// and type ("" when the job could not be read) and returns the InternalError
// that stands for it.
func (p *Processor) internal(jobID, jobType, errorType string, cause error, logArgs ...any) error {
	level := slog.LevelError
	if errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded) {
		level = slog.LevelWarn
	}
	p.Logger.Log(context.Background(), level, "job attempt failed: internal error",
		append([]any{"job", jobID, "type", jobType, "errorType", errorType, "err", cause}, logArgs...)...)
	return &InternalError{Type: errorType, JobID: jobID, cause: cause}
}

// run executes the job's code with its deadline, a progress reporter, and a
// context that ends when the job is cancelled, which changes tells of (nil:
// nothing does). A panic is a failed attempt.
func (p *Processor) run(ctx context.Context, j Job, changes <-chan Change) (result json.RawMessage, err error) {
	t, ok := p.Types.Lookup(j.Type)
	if !ok {
		return nil, Permanent(Errorf("UnknownJobType", "job type %q is not registered here", j.Type))
	}
	params, err := t.decode(j.Parameters)
	if err != nil {
		return nil, Permanent(Errorf("InvalidParameters", "stored parameters do not decode: %v", err))
	}
	jobCtx, stopJob := context.WithCancelCause(ctx)
	defer stopJob(nil)
	runCtx, cancel := context.WithTimeoutCause(jobCtx, t.Timeout, &timeoutError{jobType: j.Type, timeout: t.Timeout})
	defer cancel()
	defer p.stopWhenTerminal(runCtx, stopJob, j, changes)()
	defer func() {
		if r := recover(); r != nil {
			err = p.internal(j.ID, j.Type, ErrorTypePanic, fmt.Errorf("job code panicked: %v", r), "stack", string(debug.Stack()))
		}
	}()
	out, err := t.run(runCtx, params, &reporter{p: p, id: j.ID, jobType: j.Type, stop: stopJob})
	if cause := context.Cause(runCtx); err != nil && cause != nil && ctx.Err() == nil &&
		(errors.Is(cause, ErrTerminal) || errors.Is(err, runCtx.Err())) {
		err = cause // the job was cancelled, or timed out: say so, not "context canceled"
	}
	if err != nil {
		return nil, err
	}
	result, err = json.Marshal(out)
	if err != nil {
		return nil, Permanent(Errorf("InvalidResult", "job result does not encode as JSON: %v", err))
	}
	return result, nil
}

// timeoutError is why an attempt's context ends at its type's deadline: a
// failure of type Timeout, as Errorf would make it, whose text is written
// only if it is read, not for every attempt.
type timeoutError struct {
	jobType string
	timeout time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("job %s exceeded its timeout of %s", e.jobType, e.timeout)
}

func (e *timeoutError) ErrorType() string { return "Timeout" }

// watch tells of the changes of job id through the Watcher; nil if there is none.
func (p *Processor) watch(ctx context.Context, id string) (<-chan Change, func()) {
	if p.Watcher == nil {
		return nil, func() {}
	}
	return p.Watcher.Watch(ctx, id)
}

// stopWhenTerminal stops the run of j with ErrTerminal as soon as the job
// turns terminal (it was cancelled) or is gone: it reads the job when changes
// tell of one later than j, and every CheckEvery. stop ends the checks.
func (p *Processor) stopWhenTerminal(ctx context.Context, stopJob context.CancelCauseFunc, j Job, changes <-chan Change) (stop func()) {
	if changes == nil && p.CheckEvery <= 0 {
		return func() {}
	}
	// What was heard while the run was set up is read here, so that the
	// checks below wake for nothing but what comes later.
	select {
	case c := <-changes:
		if c.Seq > j.Seq && p.endedElsewhere(ctx, j) {
			stopJob(ErrTerminal)
		}
	default:
	}
	var tick <-chan time.Time
	stopTicker := func() {}
	if p.CheckEvery > 0 {
		ticker := time.NewTicker(p.CheckEvery)
		tick, stopTicker = ticker.C, ticker.Stop
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case c := <-changes:
				if c.Seq <= j.Seq {
					continue // the start of this attempt, or older
				}
			case <-tick:
			case <-ctx.Done():
				return
			case <-done:
				return
			}
			select {
			case <-done:
				return // the run is over: what changed since is not its business
			default:
			}
			if p.endedElsewhere(ctx, j) {
				stopJob(ErrTerminal)
				return
			}
		}
	}()
	return func() { close(done); stopTicker() }
}

// endedElsewhere reads the running job j again and reports whether it is
// terminal or gone. A failed read is logged and taken as "not ended".
func (p *Processor) endedElsewhere(ctx context.Context, running Job) bool {
	j, err := p.Store.Get(ctx, running.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		return true
	case err != nil:
		if ctx.Err() == nil {
			p.Logger.Warn("cannot read a running job to see whether it was cancelled", "job", running.ID, "type", running.Type, "err", err)
		}
		return false
	}
	return j.Status.Terminal()
}

// commits is how the processor writes a job.
func (p *Processor) commits() Committer {
	return Committer{Store: p.Store, Clock: p.Clock, Notifier: p.Notifier, Meter: p.Meter}
}

// reporter records progress reports of one running job.
type reporter struct {
	p       *Processor
	id      string
	jobType string // for the log
	stop    context.CancelCauseFunc
}

func (r *reporter) Report(ctx context.Context, pr Progress) error {
	_, err := r.p.commits().CommitSoft(ctx, r.id, func(j *Job, now time.Time) error { return j.Report(pr, now) })
	switch {
	case errors.Is(err, ErrTerminal):
		r.stop(ErrTerminal)
		return err
	case err != nil:
		// Job code returns what Report returns: it must not carry the store's text.
		return r.p.internal(r.id, r.jobType, ErrorTypeInternal, fmt.Errorf("report progress: %w", err))
	}
	return nil
}
