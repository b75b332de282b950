package console_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/sigv4test"
)

// TestConsoleStreamFollowsAllItsJobsAtOnce: a stream of more unfinished
// jobs than it checks at once (8) follows every one of them live, not the
// next only when one of the first ends.
func TestConsoleStreamFollowsAllItsJobsAtOnce(t *testing.T) {
	base := setup(t, time.Minute) // the sleep jobs stay unfinished
	var ids []string
	for range 12 {
		ids = append(ids, submitAs(t, base, principalA, `{"seconds":1}`).ID)
	}
	last := ids[len(ids)-1]
	events := openStream(t, base, strings.Join(ids, ","))
	started := map[string]bool{}
	for len(started) < len(ids) {
		started[readState(t, next(t, events)).ID] = true
	}
	req, _ := http.NewRequest(http.MethodDelete, base+"/jobs/"+last, nil)
	if resp, raw := sigv4test.Do(t, req, nil, principalA, "us-east-1"); resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE /jobs/%s: %d %s", last, resp.StatusCode, raw)
	}
	for {
		if j := readState(t, next(t, events)); j.ID == last && j.Status == "Cancelled" {
			return
		}
	}
}

// readState is the job of a state event.
func readState(t *testing.T, e streamEvent) job {
	t.Helper()
	var j job
	if err := json.Unmarshal([]byte(e.data), &j); e.name != "" || err != nil {
		t.Fatalf("event %q %s, want a job's state", e.name, e.data)
	}
	return j
}
