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
	// List returns a page of the query's owner's jobs that match it, in
	// the order of ListQuery. Jobs created while an owner pages through the
	// list come before the pages it has seen, so following Next neither
	// skips nor repeats a job.
	List(ctx context.Context, q ListQuery) (ListPage, error)
}

// Invoker dispatches a job to the processor asynchronously. It returns
// ErrOverloaded when it cannot take more work now.
type Invoker interface {
	Invoke(ctx context.Context, jobID string) error
}

// Reserver is an Invoker that can hold a place in its queue before a job is
// stored, so that a submission it would refuse costs no store write.
type Reserver interface {
	// Reserve holds a place for one invocation, or refuses at once as Invoke
	// would (ErrOverloaded, ErrUnavailable).
	Reserve(ctx context.Context) (Reservation, error)
}

// Reservation is a place held in an Invoker's queue. Invoke dispatches the
// job in it; Release gives it back unused, and does nothing once Invoke has
// succeeded, so that a caller may defer it. A Reservation is used by one
// goroutine.
type Reservation interface {
	Invoke(ctx context.Context, jobID string) error
	Release()
}

// Notifier hears of every committed change of a job. It must not block.
type Notifier interface {
	Notify(j Job)
}

// Meter hears of the moments of a job's life that metrics count: its
// submission, each attempt's start and its end. It is called after the
// commit that makes each one, from many goroutines, and must not block.
type Meter interface {
	// Submitted: a job of this type was stored (a replayed submission is not).
	Submitted(jobType string)
	// Started: an attempt began; attempt counts from 1, so a later one is a
	// retry. queueWait is the time from submission to the first attempt's
	// start, 0 for a retry.
	Started(jobType string, attempt int, queueWait time.Duration)
	// Finished: the job reached a terminal status. run is the time from its
	// first start (0 when it never ran); total is from its submission.
	Finished(jobType string, status Status, run, total time.Duration)
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

// Encoded is a job as clients see it, with what a read needs to decide
// whether its caller may see it.
type Encoded struct {
	ID        string
	Owner     string
	Status    Status
	Seq       int64
	ExpiresAt time.Time
	JSON      []byte // the job's public JSON, as jobjson.Append writes it
}

// EncodedReader is a Store that keeps each job's public JSON as committed,
// so that a read needs no decoding or encoding.
type EncodedReader interface {
	// GetEncoded returns the job's public JSON, or ErrNotFound.
	GetEncoded(ctx context.Context, id string) (Encoded, error)
}

// SoftUpdater is a Store that can commit a change that need not survive a
// crash: a job's start or progress, which a restart redoes anyway.
type SoftUpdater interface {
	// UpdateSoft is Update, except that it returns once the change is
	// visible to Get, GetEncoded and later updates, before it is durable; a
	// later durable write, or the store's next commit, makes it durable.
	// After a crash the job may read as it was before the change.
	UpdateSoft(ctx context.Context, id string, fn func(*Job) error) (Job, error)
}

// ListQuery asks a Store for one page of an owner's jobs, newest first:
// CreatedAt descending, then ID descending.
type ListQuery struct {
	Owner  string
	Status Status    // only jobs in this status; "" for any
	Type   string    // only jobs of this type; "" for any
	After  *Position // only jobs after this one in the order; nil: from the newest
	Limit  int       // at most this many jobs, at least 1
	Now    time.Time // jobs expired at Now are left out
}

// Position is a place in an owner's list: the job with this CreatedAt and ID,
// whether or not it still exists.
type Position struct {
	CreatedAt time.Time
	ID        string
}

// Before reports whether p comes before q in the list (p is newer).
func (p Position) Before(q Position) bool {
	if c := p.CreatedAt.Compare(q.CreatedAt); c != 0 {
		return c > 0
	}
	return p.ID > q.ID
}

// ListPage is what a Store found for a ListQuery.
type ListPage struct {
	Jobs []Job
	// Next is where the next page starts, nil when the store looked at all
	// of the owner's jobs. A store may stop looking before it has Limit jobs
	// (it bounds the work of one page); the next page then goes on from Next.
	Next *Position
}

// PositionOf is the position of j in its owner's list.
func PositionOf(j Job) Position { return Position{CreatedAt: j.CreatedAt, ID: j.ID} }

// Matches reports whether j belongs on a page of q: it is the owner's,
// matches the filters, has not expired at q.Now and comes after q.After.
func Matches(q ListQuery, j Job) bool {
	return j.Owner == q.Owner && (q.Status == "" || j.Status == q.Status) && (q.Type == "" || j.Type == q.Type) &&
		!j.Expired(q.Now) && (q.After == nil || q.After.Before(PositionOf(j)))
}
