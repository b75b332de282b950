package jobs

import (
	"context"
	"slices"
	"sync"
)

// Hub is an in-process Notifier and Watcher: it tells the watchers of a job
// of each of its changes. Each watcher holds at most the latest change, so a
// slow watcher never blocks the one who notifies.
type Hub struct {
	mu sync.Mutex
	// watchers of each job: mostly one (the processor running it), so a
	// slice, which costs less to set up than a set.
	watchers map[string][]chan Change
}

var (
	_ Notifier = (*Hub)(nil)
	_ Watcher  = (*Hub)(nil)
)

// NewHub returns an empty Hub.
func NewHub() *Hub { return &Hub{watchers: make(map[string][]chan Change)} }

// Watch delivers the changes of job id until stop is called. It is in place
// at once: ctx is not needed.
func (h *Hub) Watch(_ context.Context, id string) (<-chan Change, func()) {
	ch := make(chan Change, 1)
	h.mu.Lock()
	h.watchers[id] = append(h.watchers[id], ch)
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			chans := slices.DeleteFunc(h.watchers[id], func(c chan Change) bool { return c == ch })
			if len(chans) == 0 {
				delete(h.watchers, id)
			} else {
				h.watchers[id] = chans
			}
		})
	}
}

// Notify replaces whatever each watcher of the job has not read yet with j's
// change, unless that is a later one.
func (h *Hub) Notify(j Job) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := Change{ID: j.ID, Seq: j.Seq}
	for _, ch := range h.watchers[j.ID] {
		select {
		case ch <- c:
			continue
		default:
		}
		latest := c
		select {
		case old := <-ch:
			if old.Seq > latest.Seq {
				latest = old
			}
		default:
		}
		ch <- latest // cannot block: the buffer was emptied under the lock
	}
}

// Notifiers notifies each of its members in order.
type Notifiers []Notifier

// Notify passes j to every member.
func (ns Notifiers) Notify(j Job) {
	for _, n := range ns {
		n.Notify(j)
	}
}
