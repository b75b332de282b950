package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/testclock"
	"github.com/asyncjobs/asyncjobs/jobs"
)

// deafWatcher hears nothing, as an AppSync watch that missed every event;
// each Watch first takes dial of the service's clock, as a slow dial would,
// and records the deadline of its context.
type deafWatcher struct {
	clock *testclock.Manual
	dial  time.Duration

	mu        sync.Mutex
	deadlines []time.Duration // how long each Watch's context had left
}

func (w *deafWatcher) Watch(ctx context.Context, _ string) (<-chan jobs.Change, func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if deadline, ok := ctx.Deadline(); ok {
		w.deadlines = append(w.deadlines, time.Until(deadline))
	} else {
		w.deadlines = append(w.deadlines, -1)
	}
	w.clock.Advance(w.dial)
	return make(chan jobs.Change), func() {}
}

// changingStore finishes the job behind the reader's back right after the
// first read, as the processor does in another process whose event is lost.
type changingStore struct {
	jobs.Store
	once sync.Once
}

func (s *changingStore) Get(ctx context.Context, id string) (jobs.Job, error) {
	j, err := s.Store.Get(ctx, id)
	s.once.Do(func() {
		_, err = s.Store.Update(ctx, id, func(j *jobs.Job) error {
			j.Status = jobs.StatusSuccess
			return nil
		})
	})
	return j, err
}

// serviceWith is f's service with another store and watcher.
func (f *fixture) serviceWith(store jobs.Store, w jobs.Watcher) *jobs.Service {
	return jobs.NewService(jobs.ServiceConfig{
		Store: store, Types: f.types, Invoker: f.invoker, Notifier: f.hub, Watcher: w, Clock: f.clock,
		Retention: time.Hour, Logger: f.logger, NewID: func() string { return "job-x" },
	})
}

func TestWaitThatHearsNothingReadsTheStoreWhenItEnds(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	j := f.submit(t, "echo", `{"text":"a"}`)
	svc := f.serviceWith(&changingStore{Store: f.store}, &deafWatcher{clock: f.clock})
	got, err := svc.Wait(t.Context(), "", j.ID, 50*time.Millisecond, time.Time{})
	if err != nil || got.Status != jobs.StatusSuccess || got.Seq != j.Seq+1 {
		t.Fatalf("wait: %s seq %d, %v; want the job as stored when the wait ended: Success, seq %d", got.Status, got.Seq, err, j.Seq+1)
	}
}

func TestWaitCountsTheWatchAgainstItsTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		dial     time.Duration
		wait     time.Duration
		answerBy time.Duration // after the call; 0: none
	}{
		{name: "the watch takes the whole wait", dial: 10 * time.Second, wait: 10 * time.Second},
		{name: "the watch passes the answer deadline", dial: 3 * time.Second, wait: 20 * time.Second, answerBy: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, echoType())
			j := f.submit(t, "echo", `{"text":"a"}`)
			w := &deafWatcher{clock: f.clock, dial: tt.dial}
			svc := f.serviceWith(f.store, w)
			var answerBy time.Time
			if tt.answerBy > 0 {
				answerBy = f.clock.Now().Add(tt.answerBy)
			}
			start := time.Now()
			got, err := svc.Wait(t.Context(), "", j.ID, tt.wait, answerBy)
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("answered %s after the call: the wait began after the watch", elapsed)
			}
			if err != nil || got.ID != j.ID || got.Status != jobs.StatusPending {
				t.Fatalf("wait: %+v %v, want the Pending job", got, err)
			}
			bound := tt.wait
			if tt.answerBy > 0 {
				bound = tt.answerBy
			}
			if left := w.deadlines[0]; left < 0 || left > bound {
				t.Errorf("the watch's context had %s left, want a deadline within %s", left, bound)
			}
		})
	}
}

// orderLog is a Notifier and an Invoker that write down what they are told, in order.
type orderLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *orderLog) Notify(j jobs.Job) { l.add("notify " + string(j.Status)) }

func (l *orderLog) Invoke(context.Context, string) error { l.add("invoke"); return nil }

func (l *orderLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, s)
}

func TestSubmitAnnouncesPendingBeforeDispatching(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	log := &orderLog{}
	svc := jobs.NewService(jobs.ServiceConfig{
		Store: f.store, Types: f.types, Invoker: log, Notifier: log, Watcher: f.hub, Clock: f.clock,
		Retention: time.Hour, Logger: f.logger, NewID: func() string { return "job-x" },
	})
	if _, _, err := svc.Submit(t.Context(), jobs.SubmitRequest{Type: "echo", Parameters: []byte(`{"text":"a"}`)}); err != nil {
		t.Fatal(err)
	}
	if len(log.calls) != 2 || log.calls[0] != "notify Pending" || log.calls[1] != "invoke" {
		t.Fatalf("calls %q, want Pending announced, then the dispatch", log.calls)
	}
}
