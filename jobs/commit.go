package jobs

import (
	"context"
	"time"
)

// Transition is a change of one job at the time of its commit: one of Job's
// transition methods, such as (*Job).Cancel, or a closure over one.
type Transition func(j *Job, now time.Time) error

// Committer is the one way a job is written: it creates a job or commits a
// transition through the Store, which makes the change durable, with the
// Clock's time of the commit, and then tells the Notifier of the job as
// stored, and its Meter of a submission or an end. The Service, the
// Processor and the error handler all write through one.
type Committer struct {
	Store    Store
	Clock    Clock
	Notifier Notifier
	Meter    Meter // optional
}

// Create stores a new job and announces it. A job that holds the same
// idempotency key comes back with ErrDuplicate and is not announced again.
func (c Committer) Create(ctx context.Context, j Job) (Job, error) {
	stored, err := c.Store.Create(ctx, j)
	if err != nil {
		return stored, err
	}
	c.Notifier.Notify(stored)
	if c.Meter != nil {
		c.Meter.Submitted(stored.Type)
	}
	return stored, nil
}

// Commit applies t to the stored job and announces the result. When t or
// the Store refuses, the job comes back as stored with the error.
func (c Committer) Commit(ctx context.Context, id string, t Transition) (Job, error) {
	return c.commit(ctx, id, t, c.Store.Update)
}

// CommitSoft is Commit for a change that need not survive a crash, such as
// a start or a progress report, which a restart redoes: through the Store's
// UpdateSoft when it is a SoftUpdater, so that the change is announced
// before it is durable; through Update otherwise.
func (c Committer) CommitSoft(ctx context.Context, id string, t Transition) (Job, error) {
	if soft, ok := c.Store.(SoftUpdater); ok {
		return c.commit(ctx, id, t, soft.UpdateSoft)
	}
	return c.Commit(ctx, id, t)
}

func (c Committer) commit(ctx context.Context, id string, t Transition, update func(context.Context, string, func(*Job) error) (Job, error)) (Job, error) {
	j, err := update(ctx, id, func(j *Job) error { return t(j, c.Clock.Now()) })
	if err != nil {
		return j, err
	}
	c.Notifier.Notify(j)
	if c.Meter != nil && j.Status.Terminal() {
		// Once per job: a terminal job refuses every later transition.
		c.Meter.Finished(j.Type, j.Status, sinceOrZero(j.StartedAt, j.FinishedAt), j.FinishedAt.Sub(j.CreatedAt))
	}
	return j, nil
}

// sinceOrZero is end − start, or 0 when start never happened.
func sinceOrZero(start, end time.Time) time.Duration {
	if start.IsZero() {
		return 0
	}
	return end.Sub(start)
}
