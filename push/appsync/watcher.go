package appsync

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/push"
)

// JobWatcher is a jobs.Watcher over AppSync Events: it subscribes to a job's
// channel, /<namespace>/<id>, and signals each event's id and seq. An event
// is never taken for the job: it may be late, out of order, or cut down to
// what changed (push.Event, above AppSync's 240 KB); waiters read the store.
type JobWatcher struct {
	conn      *Conn
	namespace string
	logger    *slog.Logger
}

var _ jobs.Watcher = (*JobWatcher)(nil)

// NewJobWatcher returns a JobWatcher on conn. An empty namespace means
// push.DefaultNamespace; a nil logger discards the logs.
func NewJobWatcher(conn *Conn, namespace string, logger *slog.Logger) *JobWatcher {
	if namespace == "" {
		namespace = push.DefaultNamespace
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &JobWatcher{conn: conn, namespace: namespace, logger: logger}
}

// Watch subscribes to the job's channel and returns once subscribed, so that
// a change committed after Watch returns is not missed; it waits at most the
// connection's ReplyTimeout, and no longer than ctx. The channel holds the
// latest change not yet read: a change with a higher Seq replaces it, one
// with a Seq not above the last passed on is dropped (AppSync does not
// guarantee order). The channel is never closed.
//
// If subscribing fails (or the connection ends later), Watch logs it and the
// channel simply never delivers: a waiter then ends at its own timeout,
// which is correct but slower. stop unsubscribes.
func (w *JobWatcher) Watch(ctx context.Context, id string) (<-chan jobs.Change, func()) {
	changes := make(chan jobs.Change, 1)
	sub, err := w.conn.Subscribe(ctx, push.JobChannel(w.namespace, id))
	if err != nil {
		w.logger.Warn("cannot watch job; waiting for it will end at its timeout", "job", id, "err", err)
		return changes, func() {}
	}
	go w.forward(id, sub, changes)
	var once sync.Once
	return changes, func() { once.Do(func() { _ = sub.Close() }) }
}

// eventChange is what a job event says of the change: which job, which Seq.
type eventChange struct {
	ID  string `json:"id"`
	Seq int64  `json:"seq"`
}

// forward passes the job's changes from sub to changes, never blocking.
func (w *JobWatcher) forward(id string, sub *Subscription, changes chan jobs.Change) {
	latest := int64(-1) // the highest Seq passed on
	for ev := range sub.Events() {
		var c eventChange
		if err := json.Unmarshal(ev, &c); err != nil || c.ID != id {
			w.logger.Warn("ignore an event that is not a change of this job", "job", id, "eventJob", c.ID, "err", err)
			continue
		}
		if c.Seq <= latest {
			continue
		}
		latest = c.Seq
		select {
		case <-changes: // replaced by the later change
		default:
		}
		changes <- jobs.Change{ID: c.ID, Seq: c.Seq} // cannot block: this goroutine is the only sender and the slot is empty
	}
	if err := sub.Err(); err != nil {
		w.logger.Warn("stopped watching job; waiting for it will end at its timeout", "job", id, "err", err)
	}
}
