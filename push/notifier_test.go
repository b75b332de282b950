package push_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/push"
)

// recorder is a Publisher that keeps what it is given, after gate opens.
type recorder struct {
	gate chan struct{}
	mu   sync.Mutex
	got  map[string][]json.RawMessage
	err  error
}

func newRecorder(open bool) *recorder {
	r := &recorder{gate: make(chan struct{}), got: map[string][]json.RawMessage{}}
	if open {
		close(r.gate)
	}
	return r
}

func (r *recorder) Publish(ctx context.Context, channel string, events []json.RawMessage) error {
	select {
	case <-r.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[channel] = append(r.got[channel], events...)
	return r.err
}

func notifier(pub push.Publisher, buffer int) *push.Notifier {
	return push.NewNotifier(push.NotifierConfig{
		Publisher: pub, Buffer: buffer, Workers: 2, Timeout: 10 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

func job(id string, seq int64) jobs.Job {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	return jobs.Job{ID: id, Type: "sleep", Status: jobs.StatusRunning, Parameters: json.RawMessage(`{"seconds":1}`),
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), Seq: seq}
}

func TestNotifierPublishesEachJobsChangesInOrder(t *testing.T) {
	t.Parallel()
	rec := newRecorder(true)
	n := notifier(rec, 64)
	for seq := int64(1); seq <= 10; seq++ {
		for _, id := range []string{"a", "b", "c"} {
			n.Notify(job(id, seq))
		}
	}
	if err := n.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		events := rec.got["/jobs/"+id]
		if len(events) != 10 {
			t.Fatalf("channel /jobs/%s got %d events, want 10", id, len(events))
		}
		for i, e := range events {
			var got struct {
				ID  string `json:"id"`
				Seq int64  `json:"seq"`
			}
			if err := json.Unmarshal(e, &got); err != nil || got.ID != id || got.Seq != int64(i+1) {
				t.Fatalf("event %d of %s: %s (%v)", i, id, e, err)
			}
		}
	}
	if s := n.Stats(); s.Published != 30 || s.Dropped != 0 || s.Failed != 0 {
		t.Fatalf("stats %+v", s)
	}
	n.Close(context.Background())
	n.Notify(job("a", 11))
	if s := n.Stats(); s.Dropped != 1 {
		t.Fatalf("a change after Close was not dropped: %+v", s)
	}
}

func TestNotifyNeverWaitsForTheSubscribers(t *testing.T) {
	t.Parallel()
	rec := newRecorder(false) // the publisher hangs until the gate opens
	n := notifier(rec, 4)
	const changes = 1000
	for seq := int64(1); seq <= changes; seq++ {
		n.Notify(job("a", seq)) // returns at once although nothing is published
	}
	s := n.Stats()
	// One worker takes the job's changes: at most the buffer plus the one in hand.
	if s.Dropped < changes-5 || s.Published != 0 {
		t.Fatalf("stats %+v: a hung publisher should leave all but ≤5 changes dropped", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := n.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Flush with a hung publisher: %v", err)
	}
	close(rec.gate)
	if err := n.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := n.Stats(); got.Published+got.Dropped != changes {
		t.Fatalf("stats %+v: every change is published or dropped", got)
	}
}

func TestPublishFailuresAreCounted(t *testing.T) {
	t.Parallel()
	rec := newRecorder(true)
	rec.err = errors.New("appsync is down")
	n := notifier(rec, 8)
	n.Notify(job("a", 1))
	n.Flush(context.Background())
	if s := n.Stats(); s.Failed != 1 || s.Published != 0 {
		t.Fatalf("stats %+v, want 1 failed", s)
	}
}

func TestEventIsTheJobJSONOrATruncatedOne(t *testing.T) {
	t.Parallel()
	j := job("a", 3)
	e, err := push.Event(j)
	if err != nil || !strings.Contains(string(e), `"parameters":{"seconds":1}`) || !strings.Contains(string(e), `"seq":3`) {
		t.Fatalf("event %s %v", e, err)
	}
	j.Status = jobs.StatusSuccess
	j.Results = json.RawMessage(`{"blob":"` + strings.Repeat("x", push.MaxEventBytes) + `"}`)
	e, err = push.Event(j)
	if err != nil || len(e) > push.MaxEventBytes {
		t.Fatalf("event of %d bytes: %v", len(e), err)
	}
	var got map[string]any
	json.Unmarshal(e, &got)
	if got["truncated"] != true || got["status"] != "Success" || got["seq"] != float64(3) || got["results"] != nil {
		t.Fatalf("truncated event %v", got)
	}
}
