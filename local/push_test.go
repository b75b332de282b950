package local_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/push"
)

// TestSubscriberThatStopsReadingDoesNotHoldUpJobs subscribes one client that
// never reads after subscribing and one that does to the channels of many
// jobs, held Pending behind a sleep job, runs them, and checks that every
// job finished and the reading subscriber heard of every end.
func TestSubscriberThatStopsReadingDoesNotHoldUpJobs(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.Workers, cfg.QueueSize, cfg.JobTypes.Second = 1, 1000, time.Minute
	sys, base := start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	sleeper := submit(t, base, `{"seconds":1}`) // takes the only worker
	const n = push.MaxSubscriptions
	ids := make([]string, n)
	for i := range ids {
		ids[i] = submit(t, base, `{"type":"noop"}`).ID
	}
	stalled := dialEvents(ctx, t, sys, cfg.EventsAPIKey)
	reading := dialEvents(ctx, t, sys, cfg.EventsAPIKey)
	for i, id := range ids {
		for _, c := range []*eventsConn{stalled, reading} {
			if m := c.subscribe(fmt.Sprint(i), "/jobs/"+id); m.Type != "subscribe_success" {
				t.Fatalf("subscribe to job %s: %s", id, m.raw)
			}
		}
	}
	if resp, _ := call(t, http.MethodDelete, base+"/jobs/"+sleeper.ID, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE the sleep job: %d", resp.StatusCode)
	}

	finished := map[string]bool{}
	for len(finished) < n {
		m := reading.next()
		if m.Type != "data" {
			t.Fatalf("while reading: %s", m.raw)
		}
		var e struct{ ID, Status string }
		json.Unmarshal([]byte(m.Event), &e)
		if e.Status == "Success" {
			finished[e.ID] = true
		}
	}
	for _, id := range ids {
		if !finished[id] {
			t.Fatalf("job %s finished unheard", id)
		}
	}
}
