package appsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/push"
)

// DefaultDialTimeout bounds a RedialingWatcher's dial when its config leaves it at 0.
const DefaultDialTimeout = 10 * time.Second

// RedialConfig configures a RedialingWatcher.
type RedialConfig struct {
	Client      ClientConfig
	Namespace   string        // "": push.DefaultNamespace
	DialTimeout time.Duration // the WebSocket handshake and connection_ack; 0: DefaultDialTimeout
	Logger      *slog.Logger  // nil discards the logs
}

// RedialingWatcher is a jobs.Watcher for a long-lived process (a warm
// Lambda, a server) whose realtime connection may end at any time: it dials
// on the first Watch, dials again on the Watch after the connection's Done
// is closed, and watches through a JobWatcher on the live connection.
// Callers that arrive during a dial share its outcome. Its methods are safe
// for concurrent use.
type RedialingWatcher struct {
	cfg RedialConfig

	mu      sync.Mutex
	current *dialing // the latest dial: in flight, up, or failed
	closed  bool
}

var _ jobs.Watcher = (*RedialingWatcher)(nil)

// dialing is one dial; the fields after done are set before done is closed.
type dialing struct {
	done    chan struct{}
	conn    *Conn
	watcher *JobWatcher
	err     error
}

// NewRedialingWatcher checks cfg and returns a watcher that has not dialled yet.
func NewRedialingWatcher(cfg RedialConfig) (*RedialingWatcher, error) {
	httpURL, err := endpointURL(cfg.Client.Endpoint, "https", "/event")
	if err != nil {
		return nil, err
	}
	if _, err := realtimeURL(cfg.Client.RealtimeEndpoint, httpURL); err != nil {
		return nil, err
	}
	if cfg.Client.Auth == nil {
		return nil, errors.New("appsync: a redialing watcher needs an Auth")
	}
	if cfg.Namespace == "" {
		cfg.Namespace = push.DefaultNamespace
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &RedialingWatcher{cfg: cfg}, nil
}

// Watch watches the job as JobWatcher.Watch does, on a live connection. If
// no connection can be had within the dial timeout, or before ctx ends, it
// logs why and the channel never delivers: a waiter then ends at its own
// timeout. A caller that gives up leaves the dial to the others.
func (w *RedialingWatcher) Watch(ctx context.Context, id string) (<-chan jobs.Change, func()) {
	jw, err := w.watcher(ctx)
	if err != nil {
		w.cfg.Logger.Warn("cannot watch job; waiting for it will end at its timeout", "job", id, "err", err)
		return make(chan jobs.Change, 1), func() {}
	}
	return jw.Watch(ctx, id)
}

// watcher returns the JobWatcher of the live connection, dialing when there
// is none; it waits for the dial no longer than ctx.
func (w *RedialingWatcher) watcher(ctx context.Context) (*JobWatcher, error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil, ErrClosed
	}
	d := w.current
	fresh := d == nil || d.ended()
	if fresh {
		d = &dialing{done: make(chan struct{})}
		w.current = d
	}
	w.mu.Unlock()
	if fresh {
		go w.dial(d)
	}
	select {
	case <-d.done:
		return d.watcher, d.err
	case <-ctx.Done():
		return nil, fmt.Errorf("appsync: wait for the realtime connection: %w", context.Cause(ctx))
	}
}

// ended reports whether d is over: it failed, or its connection has ended.
// A dial in flight is not over.
func (d *dialing) ended() bool {
	select {
	case <-d.done:
	default:
		return false
	}
	if d.err != nil {
		return true
	}
	select {
	case <-d.conn.Done():
		return true
	default:
		return false
	}
}

func (w *RedialingWatcher) dial(d *dialing) {
	defer close(d.done)
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.DialTimeout)
	defer cancel()
	conn, err := Dial(ctx, w.cfg.Client)
	if err != nil {
		d.err = err
		return
	}
	d.conn, d.watcher = conn, NewJobWatcher(conn, w.cfg.Namespace, w.cfg.Logger)
	w.cfg.Logger.Debug("realtime connection up for watching jobs")
}

// Close closes the live connection, which ends every watch on it; Watch
// dials no more after it.
func (w *RedialingWatcher) Close() error {
	w.mu.Lock()
	w.closed = true
	d := w.current
	w.mu.Unlock()
	if d == nil {
		return nil
	}
	<-d.done
	if d.conn == nil {
		return nil
	}
	return d.conn.Close()
}
