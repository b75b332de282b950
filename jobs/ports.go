package jobs

import (
	"context"
	"time"
)

// Store keeps jobs durably. Implementations translate their backend's errors
// into this package's sentinels.
type Store interface {
	// Create stores a new job as it is (a new job has Seq 1). When the job
	// carries an IdempotencyKey that an unexpired job already holds, it stores
	// nothing and returns that job with ErrDuplicate. It returns only once the
	// job is durable.
	Create(ctx context.Context, j Job) (Job, error)
	// Get returns the job or ErrNotFound.
	Get(ctx context.Context, id string) (Job, error)
	// Update reads the job and writes what Job.Next makes of it with fn, on
	// the condition that its Seq is unchanged. A terminal job is returned as it
	// is with ErrTerminal and fn is not called; an error from fn is returned
	// with the job unchanged. Writers other than the stores' own tests go
	// through a Committer.
	Update(ctx context.Context, id string, fn func(*Job) error) (Job, error)
	// Delete removes the job and its idempotency key; a missing job is not an error.
	Delete(ctx context.Context, id string) error
}

// Invoker dispatches a job to the processor asynchronously. It returns
// ErrOverloaded when it cannot take more work now.
type Invoker interface {
	Invoke(ctx context.Context, jobID string) error
}

// Notifier hears of every committed change of a job. It must not block.
type Notifier interface {
	Notify(j Job)
}

// Change says that a job changed and what its Seq became; what changed is
// read from the Store, the only source of a job.
type Change struct {
	ID  string
	Seq int64
}

// Watcher tells when one job changes. Watch returns once the watch is in
// place, or when ctx ends (the watch then may never deliver). The channel may
// skip intermediate changes but always ends up holding the latest one it
// heard of; a watch may also hear nothing (push is best effort), so its
// users read the Store anyway when they stop waiting.
type Watcher interface {
	Watch(ctx context.Context, id string) (changes <-chan Change, stop func())
}

// Clock tells the time; tests inject their own.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
