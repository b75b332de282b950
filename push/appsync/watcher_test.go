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

func TestJobWatcherDeliversTheLatestChange(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, apiKeyAuth("k"))
	c, err := f.dial(t, APIKey("k"), ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	publisher, err := f.dial(t, APIKey("k"), ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	w := NewJobWatcher(c, "", nil)
	changes, stop := w.Watch("job-1")

	err = publisher.Publish(t.Context(), "/jobs/job-1", []json.RawMessage{
		jobEvent(t, "job-1", 1, jobs.StatusPending),
		jobEvent(t, "job-2", 99, jobs.StatusSuccess), // another job: ignored
		json.RawMessage(`"not a job"`),               // ignored
		jobEvent(t, "job-1", 3, jobs.StatusRunning),
		jobEvent(t, "job-1", 2, jobs.StatusRunning), // older than 3: dropped
	})
	if err != nil {
		t.Fatal(err)
	}
	for j := range changes {
		if j.ID != "job-1" || (j.Seq != 1 && j.Seq != 3) {
			t.Fatalf("delivered %s seq %d, want job-1 at seq 1 or 3", j.ID, j.Seq)
		}
		if j.Seq == 3 {
			break
		}
	}
	if err := publisher.Publish(t.Context(), "/jobs/job-1", []json.RawMessage{jobEvent(t, "job-1", 4, jobs.StatusSuccess)}); err != nil {
		t.Fatal(err)
	}
	j := <-changes
	if j.Seq != 4 || j.Status != jobs.StatusSuccess || !j.UpdatedAt.Equal(created.Add(4*time.Second)) {
		t.Errorf("delivered %+v, want job-1 at seq 4, Success", j)
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
	changes, stop := w.Watch("job-1")
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
