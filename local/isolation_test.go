package local_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/local"
)

// heldJobsd starts jobsd with SigV4 on, two principals (A, the first
// credential, and principalB), one worker and sleep jobs of a minute a
// second. A job submitted behind a sleep job stays Pending until the sleep
// job is cancelled, so that a subscriber can subscribe to its channel before
// its first change after Pending.
func heldJobsd(t *testing.T) (*local.System, local.Config, string) {
	t.Helper()
	cfg := config(t.TempDir())
	cfg.Auth = true
	cfg.Credentials = append(cfg.Credentials, principalB)
	cfg.Workers = 1
	cfg.JobTypes.Second = time.Minute
	sys, base := start(t, cfg)
	return sys, cfg, base
}

// signedCall sends a request signed with cred and decodes the job it answers.
func signedCall(t *testing.T, cred sigv4.Credential, method, url, body string) (int, jobJSON) {
	t.Helper()
	code, raw := status(t, signed(t, method, url, body, cred, time.Now()))
	b, _ := json.Marshal(raw)
	var j jobJSON
	json.Unmarshal(b, &j)
	return code, j
}

// submitBehindSleep submits, as cred, a sleep job that takes the only
// worker and then the job body; it returns the job's id and a function that
// cancels the sleep job, letting the job run.
func submitBehindSleep(t *testing.T, base string, cred sigv4.Credential, body string) (id string, release func()) {
	t.Helper()
	code, sleeper := signedCall(t, cred, http.MethodPost, base+"/jobs", `{"seconds":1}`)
	if code != http.StatusAccepted {
		t.Fatalf("POST the sleep job: %d", code)
	}
	code, job := signedCall(t, cred, http.MethodPost, base+"/jobs", body)
	if code != http.StatusAccepted || job.Status != "Pending" {
		t.Fatalf("POST %s: %d %+v", body, code, job)
	}
	return job.ID, func() {
		t.Helper()
		if code, _ := signedCall(t, cred, http.MethodDelete, base+"/jobs/"+sleeper.ID, ""); code != http.StatusOK {
			t.Fatalf("DELETE the sleep job: %d", code)
		}
	}
}

// followToEnd reads the job's events on subscription id until a terminal
// one and returns them.
func followToEnd(t *testing.T, c *eventsConn, id string) []jobJSON {
	t.Helper()
	var seen []jobJSON
	for {
		m := c.next()
		if m.Type != "data" || m.ID != id {
			t.Fatalf("following the job: %s", m.raw)
		}
		var j jobJSON
		if err := json.Unmarshal([]byte(m.Event), &j); err != nil {
			t.Fatalf("event %q: %v", m.Event, err)
		}
		seen = append(seen, j)
		if j.Status == "Success" || j.Status == "Failure" || j.Status == "Cancelled" {
			return seen
		}
	}
}

func expectRefused(t *testing.T, m eventsMessage, typ string) {
	t.Helper()
	if m.Type != typ || len(m.Errors) != 1 || m.Errors[0].ErrorType != "UnauthorizedException" {
		t.Fatalf("got %s, want %s with UnauthorizedException", m.raw, typ)
	}
}

// TestAPIKeyHolderCannotFollowOtherPrincipalsJobs is issue 9's first
// finding: a client holding the events API key (every client holds it)
// subscribed to /jobs/* and received another principal's job with its
// parameters and results. Subscriptions that do not name one job's channel
// are refused, and the job's events reach only its channel's subscriber.
func TestAPIKeyHolderCannotFollowOtherPrincipalsJobs(t *testing.T) {
	t.Parallel()
	sys, cfg, base := heldJobsd(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	spy := dialEvents(ctx, t, sys, cfg.EventsAPIKey) // principal B's client
	for _, channel := range []string{"/jobs/*", "jobs/*/", "/jobs"} {
		m := spy.subscribe("all", channel)
		expectRefused(t, m, "subscribe_error")
		if !strings.Contains(m.Errors[0].Message, "/jobs/<id>") {
			t.Errorf("subscribe to %s refused with %q, which does not say what is allowed", channel, m.Errors[0].Message)
		}
	}

	a := cfg.Credentials[0]
	id, release := submitBehindSleep(t, base, a, `{"type":"fullname","parameters":{"name":"Bob","surname":"Private"}}`)
	owner := dialEvents(ctx, t, sys, cfg.EventsAPIKey)
	if m := owner.subscribe("mine", "/jobs/"+id); m.Type != "subscribe_success" {
		t.Fatalf("the owner's subscription to its job: %s", m.raw)
	}
	release()
	if seen := followToEnd(t, owner, "mine"); seen[len(seen)-1].Status != "Success" {
		t.Fatalf("the owner heard %+v, want the job to Success", seen)
	}

	// Each event is queued to every matching subscription at once, so by
	// now anything the spy could get is ahead of the answer to this.
	spy.send(map[string]any{"type": "unsubscribe", "id": "nothing"})
	if m := spy.next(); m.Type != "unsubscribe_error" {
		t.Fatalf("the spy received %s, want nothing of principal A's job", m.raw)
	}
}

// TestAPIKeyHolderCannotForgeJobEvents is issue 9's second finding: a
// client with the API key published "Success" with seq 99 to a real job's
// channel, and the job's subscriber took it as the truth. Publishes to the
// job namespace over HTTP and over the socket are refused, and the
// subscriber hears only the job's own changes.
func TestAPIKeyHolderCannotForgeJobEvents(t *testing.T) {
	t.Parallel()
	sys, cfg, base := heldJobsd(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	a := cfg.Credentials[0]
	id, release := submitBehindSleep(t, base, a, `{"type":"fullname","parameters":{"name":"Ann","surname":"Owner"}}`)
	owner := dialEvents(ctx, t, sys, cfg.EventsAPIKey)
	if m := owner.subscribe("mine", "/jobs/"+id); m.Type != "subscribe_success" {
		t.Fatalf("the owner's subscription to its job: %s", m.raw)
	}
	forged := fmt.Sprintf(`{"id":%q,"status":"Success","results":{"fullname":"forged"},"seq":99}`, id)

	body, _ := json.Marshal(map[string]any{"channel": "/jobs/" + id, "events": []string{forged}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+sys.EventsAddr()+"/event", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("content-type", "application/json")
	req.Header.Set("x-api-key", cfg.EventsAPIKey)
	resp, err := trustingClient(t, sys.CAFile()).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var answer struct{ Errors []struct{ ErrorType string } }
	json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("x-amzn-ErrorType") != "UnauthorizedException" ||
		len(answer.Errors) != 1 || answer.Errors[0].ErrorType != "UnauthorizedException" {
		t.Fatalf("forged HTTP publish: %d %s %+v, want 401 UnauthorizedException", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), answer)
	}

	forger := dialEvents(ctx, t, sys, cfg.EventsAPIKey)
	forger.send(map[string]any{"type": "publish", "id": "forge", "channel": "/jobs/" + id, "events": []string{forged}})
	expectRefused(t, forger.next(), "publish_error")

	// A forged event would have reached the owner before the job's own.
	release()
	seen := followToEnd(t, owner, "mine")
	for _, j := range seen {
		if j.Seq == 99 || strings.Contains(string(j.Results), "forged") {
			t.Fatalf("the owner received a forged event: %+v", j)
		}
	}
	code, final := signedCall(t, a, http.MethodGet, base+"/jobs/"+id, "")
	if last := seen[len(seen)-1]; code != http.StatusOK || last.Status != "Success" || last.Seq != final.Seq {
		t.Fatalf("the last event %+v, the job %d %+v: want the job's own Success", last, code, final)
	}
}
