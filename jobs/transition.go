package jobs

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The transitions below are the only ways a job's status changes:
//
//	Pending ─Start→ Running ─Succeed→ Success
//	Pending, Running ─Fail→ Failure     (Pending: it never ran, e.g. EventAgeExceeded)
//	Pending, Running ─Cancel→ Cancelled
//	Running ─Start→ Running              (another attempt)
//	Running ─Report→ Running             (progress)
//
// Each one refuses a move it does not allow (ErrTerminal from a terminal
// status, ErrIllegalTransition otherwise) and leaves the job untouched
// then; else it stamps UpdatedAt with now, and FinishedAt when the job ends.
// Seq is not theirs: the update that commits a transition moves it (Next).

// Start begins an attempt: the job is Running, with one more attempt, and
// StartedAt set by its first attempt. An expired job does not start: it is
// ErrNotFound, as the store would soon make it.
func (j *Job) Start(now time.Time) error {
	if err := j.from("start", StatusPending, StatusRunning); err != nil {
		return err
	}
	if j.Expired(now) {
		return fmt.Errorf("start job %s: it expired at %s: %w", j.ID, j.ExpiresAt.Format(time.RFC3339), ErrNotFound)
	}
	j.Status = StatusRunning
	j.Attempts++
	if j.StartedAt.IsZero() {
		j.StartedAt = now
	}
	j.UpdatedAt = now
	return nil
}

// Report records a running job's progress.
func (j *Job) Report(p Progress, now time.Time) error {
	if err := j.from("report progress of", StatusRunning); err != nil {
		return err
	}
	j.Progress = &p
	j.UpdatedAt = now
	return nil
}

// Succeed ends a running job with its results.
func (j *Job) Succeed(results json.RawMessage, now time.Time) error {
	if err := j.from("succeed", StatusRunning); err != nil {
		return err
	}
	j.Status = StatusSuccess
	j.Results = results
	j.finish(now)
	return nil
}

// Fail ends a job that is Running, or Pending if it never ran, with why.
func (j *Job) Fail(why ErrorInfo, now time.Time) error {
	if err := j.from("fail", StatusPending, StatusRunning); err != nil {
		return err
	}
	j.Status = StatusFailure
	j.Error = &why
	j.finish(now)
	return nil
}

// Cancel ends a job that has not finished; running code is told to stop by
// whoever runs it.
func (j *Job) Cancel(now time.Time) error {
	if err := j.from("cancel", StatusPending, StatusRunning); err != nil {
		return err
	}
	j.Status = StatusCancelled
	j.finish(now)
	return nil
}

// from refuses a transition named verb unless the job is in one of allowed.
func (j *Job) from(verb string, allowed ...Status) error {
	switch {
	case j.Status.Terminal():
		return fmt.Errorf("%s job %s: it is %s: %w", verb, j.ID, j.Status, ErrTerminal)
	case !slices.Contains(allowed, j.Status):
		return fmt.Errorf("%s job %s: it is %s: %w", verb, j.ID, j.Status, ErrIllegalTransition)
	}
	return nil
}

func (j *Job) finish(now time.Time) {
	j.UpdatedAt = now
	j.FinishedAt = now
}

// Next is what an update makes of the stored job j: change applied to a
// copy, with ID, Owner and IdempotencyKey kept and Seq one more. A terminal
// job never changes: Next returns ErrTerminal without calling change. Every
// Store's Update builds the job it writes with Next.
func (j Job) Next(change func(*Job) error) (Job, error) {
	if j.Status.Terminal() {
		return j, fmt.Errorf("update job %s: it is %s: %w", j.ID, j.Status, ErrTerminal)
	}
	next := j.Clone() // shares no memory with j, so a refused change leaves j as it was
	if err := change(&next); err != nil {
		return j, err
	}
	next.ID, next.Owner, next.IdempotencyKey, next.Seq = j.ID, j.Owner, j.IdempotencyKey, j.Seq+1
	return next, nil
}
