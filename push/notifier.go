package push

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// NotifierConfig tunes a Notifier.
type NotifierConfig struct {
	Publisher Publisher
	Namespace string        // default DefaultNamespace
	Buffer    int           // changes waiting to be published, per worker; default 1024
	Workers   int           // publishes at once; a job's changes always go through the same one; default 4
	Timeout   time.Duration // for one Publish call; default 10s
	Logger    *slog.Logger
}

// Notifier publishes every job change it hears of to the job's channel, in
// the background. Notify never blocks: when the buffer is full the change is
// dropped and logged (push is best effort; clients reconcile with GET).
type Notifier struct {
	cfg     NotifierConfig
	queues  []chan jobs.Job
	dropped atomic.Uint64 // changes dropped (buffer full, closed, abandoned), for the log
	wg      sync.WaitGroup
	mu      sync.Mutex
	pending int             // accepted and not yet published or given up
	idle    []chan struct{} // Flush callers waiting for pending to reach 0

	sendMu  sync.RWMutex // Close holds it to close the queues; Notify, to send on them
	closed  bool
	abandon atomic.Bool // set when Close gives up: what is left is dropped
}

var _ jobs.Notifier = (*Notifier)(nil)

// NewNotifier starts a Notifier's workers.
func NewNotifier(cfg NotifierConfig) *Notifier {
	cfg.Namespace = orDefault(cfg.Namespace, DefaultNamespace)
	cfg.Buffer = orDefault(cfg.Buffer, 1024)
	cfg.Workers = orDefault(cfg.Workers, 4)
	cfg.Timeout = orDefault(cfg.Timeout, 10*time.Second)
	n := &Notifier{cfg: cfg, queues: make([]chan jobs.Job, cfg.Workers)}
	n.wg.Add(cfg.Workers)
	for i := range n.queues {
		n.queues[i] = make(chan jobs.Job, cfg.Buffer)
		go n.work(n.queues[i])
	}
	return n
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Notify queues the change for publishing, or drops it if the queue is full.
func (n *Notifier) Notify(j jobs.Job) {
	n.sendMu.RLock()
	defer n.sendMu.RUnlock()
	if n.closed {
		n.dropped.Add(1)
		return
	}
	n.begin()
	select {
	case n.queues[fnv32a(j.ID)%uint32(len(n.queues))] <- j:
	default:
		n.done()
		if n.dropped.Add(1)%1000 == 1 {
			n.cfg.Logger.Warn("push buffer full: job changes dropped", "job", j.ID, "type", j.Type, "dropped", n.dropped.Load())
		}
	}
}

// fnv32a is the 32-bit FNV-1a hash of s, computed without allocating.
func fnv32a(s string) uint32 {
	const offset, prime = 2166136261, 16777619
	h := uint32(offset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * prime
	}
	return h
}

// Flush waits until every change accepted so far is published or given up,
// or ctx ends. A Lambda calls it before returning, since it is frozen after.
func (n *Notifier) Flush(ctx context.Context) error {
	n.mu.Lock()
	if n.pending == 0 {
		n.mu.Unlock()
		return nil
	}
	idle := make(chan struct{})
	n.idle = append(n.idle, idle)
	n.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close refuses new changes, publishes what is queued until ctx ends, drops
// the rest and stops the workers.
func (n *Notifier) Close(ctx context.Context) error {
	n.sendMu.Lock()
	if n.closed {
		n.sendMu.Unlock()
		return nil
	}
	n.closed = true
	for _, q := range n.queues {
		close(q)
	}
	n.sendMu.Unlock()
	err := n.Flush(ctx)
	if err != nil {
		n.abandon.Store(true)
	}
	n.wg.Wait()
	return err
}

// Dropped is how many changes were never published since the start: the
// buffer was full, or the Notifier was closing.
func (n *Notifier) Dropped() uint64 { return n.dropped.Load() }

func (n *Notifier) begin() {
	n.mu.Lock()
	n.pending++
	n.mu.Unlock()
}

func (n *Notifier) done() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pending--
	if n.pending == 0 {
		for _, c := range n.idle {
			close(c)
		}
		n.idle = nil
	}
}

// work publishes the changes of its queue in order, one at a time.
func (n *Notifier) work(queue <-chan jobs.Job) {
	defer n.wg.Done()
	for j := range queue {
		if n.abandon.Load() {
			n.dropped.Add(1)
			n.done()
			continue
		}
		n.publish(j)
		n.done()
	}
}

// Interest is what a Publisher may also tell: whether a channel has
// subscribers now. The Notifier neither encodes nor publishes the events of a
// channel nobody listens to; a subscriber that comes a moment later misses
// them, as it would have anyway, and reconciles with GET as always.
type Interest interface {
	Subscribed(channel string) bool
}

func (n *Notifier) publish(j jobs.Job) {
	channel := JobChannel(n.cfg.Namespace, j.ID)
	if in, ok := n.cfg.Publisher.(Interest); ok && !in.Subscribed(channel) {
		return
	}
	event, err := Event(j)
	if err != nil {
		n.cfg.Logger.Error("encode job event", "job", j.ID, "type", j.Type, "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.Timeout)
	defer cancel()
	if err := n.cfg.Publisher.Publish(ctx, channel, []json.RawMessage{event}); err != nil {
		n.cfg.Logger.Warn("publish job event", "job", j.ID, "type", j.Type, "channel", channel, "seq", j.Seq, "err", err)
	}
}

// Event is the event published for a job's change: the job's JSON, as GET
// returns it. When that is over AppSync's event limit, the event keeps only
// what says what changed, without parameters and results; clients GET the rest.
func Event(j jobs.Job) (json.RawMessage, error) {
	if full := jobjson.Append(nil, j); len(full) <= MaxEventBytes {
		return full, nil
	}
	return json.Marshal(truncatedEvent{
		ID: j.ID, Status: j.Status, Seq: j.Seq, UpdatedAt: jobjson.From(j).UpdatedAt,
		Error: j.Error, Progress: j.Progress, Truncated: true,
	})
}

type truncatedEvent struct {
	ID        string          `json:"id"`
	Status    jobs.Status     `json:"status"`
	Seq       int64           `json:"seq"`
	UpdatedAt string          `json:"updatedAt"`
	Error     *jobs.ErrorInfo `json:"error,omitempty"`
	Progress  *jobs.Progress  `json:"progress,omitempty"`
	Truncated bool            `json:"truncated"`
}
