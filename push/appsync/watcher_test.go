package appsync

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/push"
)

var created = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// jobEvent is the event of a change of job id to seq, as the processor publishes it.
func jobEvent(t *testing.T, id string, seq int64, status jobs.Status) json.RawMessage {
	t.Helper()
	data, err := json.Marshal(jobjson.From(jobs.Job{
		ID: id, Type: "sleep", Status: status, Parameters: json.RawMessage(`{}`), Attempts: 1,
		CreatedAt: created, UpdatedAt: created.Add(time.Duration(seq) * time.Second), ExpiresAt: created.Add(24 * time.Hour), Seq: seq,
	}))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// watchSetup returns a fake realtime endpoint and a connection to it to
// watch on; the fake delivers what the test publishes.
func watchSetup(t *testing.T) (f *fakeRealtime, watch *Conn) {
	t.Helper()
	f = newFakeRealtime(t, apiKeyAuth("k"))
	watch, err := f.dial(t, APIKey("k"), ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return f, watch
}

func TestJobWatcherDeliversTheLatestChange(t *testing.T) {
	t.Parallel()
	f, c := watchSetup(t)
	w := NewJobWatcher(c, "", nil)
	changes, stop := w.Watch(t.Context(), "job-1")

	f.deliver("/jobs/job-1",
		jobEvent(t, "job-1", 1, jobs.StatusPending),
		jobEvent(t, "job-2", 99, jobs.StatusSuccess), // another job: ignored
		json.RawMessage(`"not a job"`),               // ignored
		jobEvent(t, "job-1", 3, jobs.StatusRunning),
		jobEvent(t, "job-1", 2, jobs.StatusRunning), // older than 3: dropped
	)
	for j := range changes {
		if j.ID != "job-1" || (j.Seq != 1 && j.Seq != 3) {
			t.Fatalf("delivered %s seq %d, want job-1 at seq 1 or 3", j.ID, j.Seq)
		}
		if j.Seq == 3 {
			break
		}
	}
	f.deliver("/jobs/job-1", jobEvent(t, "job-1", 4, jobs.StatusSuccess))
	if c := <-changes; c != (jobs.Change{ID: "job-1", Seq: 4}) {
		t.Errorf("delivered %+v, want job-1 at seq 4", c)
	}

	stop()
	if ch := <-f.unsubscribed; ch != "/jobs/job-1" {
		t.Errorf("unsubscribed %s, want /jobs/job-1", ch)
	}
	stop() // a second stop does nothing
}

func TestJobWatcherThatCannotSubscribeNeverDelivers(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, apiKeyAuth("k"))
	c, err := f.dial(t, APIKey("k"), ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	var logs bytes.Buffer
	w := NewJobWatcher(c, "jobs", slog.New(slog.NewTextHandler(&logs, nil)))
	changes, stop := w.Watch(t.Context(), "job-1")
	defer stop()
	select {
	case j := <-changes:
		t.Errorf("delivered %+v", j)
	default:
	}
	if !strings.Contains(logs.String(), "cannot watch job") || !strings.Contains(logs.String(), "job=job-1") {
		t.Errorf("logs %q do not tell that job-1 cannot be watched", logs.String())
	}
}

// A job over AppSync's event limit is published cut down to what changed
// (push.Event): the watcher signals its change all the same, and a waiter
// reads the whole job from the store.
func TestJobWatcherSignalsACutDownEvent(t *testing.T) {
	t.Parallel()
	f, c := watchSetup(t)
	changes, stop := NewJobWatcher(c, "", nil).Watch(t.Context(), "job-1")
	defer stop()
	big := jobs.Job{
		ID: "job-1", Type: "sleep", Status: jobs.StatusSuccess, Parameters: json.RawMessage(`{}`), Attempts: 1,
		Results:   json.RawMessage(`{"blob":"` + strings.Repeat("x", push.MaxEventBytes) + `"}`),
		CreatedAt: created, UpdatedAt: created, ExpiresAt: created.Add(24 * time.Hour), Seq: 7,
	}
	event, err := push.Event(big)
	if err != nil {
		t.Fatal(err)
	}
	if len(event) > push.MaxEventBytes || bytes.Contains(event, []byte(`"results"`)) {
		t.Fatalf("the event of a job over the limit is %d bytes; want it cut down, without results", len(event))
	}
	f.deliver("/jobs/job-1", event)
	select {
	case got := <-changes:
		if got != (jobs.Change{ID: "job-1", Seq: 7}) {
			t.Errorf("delivered %+v, want job-1 at seq 7", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cut-down event of job-1 was not signalled")
	}
}
