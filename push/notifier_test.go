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

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
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

// count is how many events channel got.
func (r *recorder) count(channel string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got[channel])
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
	return loggedNotifier(pub, buffer, io.Discard)
}

// loggedNotifier is a notifier that logs to w.
func loggedNotifier(pub push.Publisher, buffer int, w io.Writer) *push.Notifier {
	return push.NewNotifier(push.NotifierConfig{
		Publisher: pub, Buffer: buffer, Workers: 2, Timeout: 10 * time.Second,
		Logger: slog.New(slog.NewTextHandler(w, nil)),
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
	n.Close(context.Background())
	n.Notify(job("a", 11)) // dropped: Close stopped the workers
	if got := rec.count("/jobs/a"); got != 10 {
		t.Fatalf("a change after Close was published: /jobs/a got %d events, want 10", got)
	}
}

func TestNotifyNeverWaitsForTheSubscribers(t *testing.T) {
	t.Parallel()
	rec := newRecorder(false) // the publisher hangs until the gate opens
	var logs syncbuf.Buffer
	n := loggedNotifier(rec, 4, &logs)
	const changes = 1000
	for seq := int64(1); seq <= changes; seq++ {
		n.Notify(job("a", seq)) // returns at once although nothing is published
	}
	if !strings.Contains(logs.String(), "push buffer full: job changes dropped") {
		t.Errorf("logs %q do not tell of the dropped changes", logs.String())
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
	// One worker takes the job's changes: at most the buffer plus the one in hand.
	got := rec.count("/jobs/a")
	if got < 1 || got > 5 {
		t.Fatalf("published %d of %d changes, want the ≤5 that a hung publisher held", got, changes)
	}
	if dropped := n.Dropped(); dropped != uint64(changes-got) {
		t.Errorf("Dropped: %d, want the %d changes not published", dropped, changes-got)
	}
}

func TestPublishFailuresAreLogged(t *testing.T) {
	t.Parallel()
	rec := newRecorder(true)
	rec.err = errors.New("appsync is down")
	var logs syncbuf.Buffer
	n := loggedNotifier(rec, 8, &logs)
	n.Notify(job("a", 1))
	if err := n.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v, want nil: a failed publish fails nothing", err)
	}
	if got := logs.String(); !strings.Contains(got, "publish job event") || !strings.Contains(got, "appsync is down") {
		t.Errorf("logs %q do not tell of the failed publish", got)
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
