package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/local"
)

func TestSubmitWaitPrintsChangesUntilSuccess(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	out, notes, err := d.run("submit", "--wait", `{"seconds":2}`)
	if err != nil {
		t.Fatalf("submit --wait: %v\n%s%s", err, out, notes)
	}
	all := lines(out)
	if len(all) < 2 || !strings.Contains(all[0], "seq 1   Pending") {
		t.Fatalf("want the submitted job, then its changes; got\n%s", out)
	}
	if last := all[len(all)-1]; !strings.Contains(last, "Success") || !strings.Contains(last, "I slept for 2 seconds") {
		t.Fatalf("last line %q, want the Success with its results", last)
	}
	if !strings.Contains(notes, "following job") {
		t.Fatalf("stderr %q, want the note that the job is followed by its events", notes)
	}
}

func TestSubmitWaitFailureExitsWithTheReason(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	out, _, err := d.run("submit", "--wait", `{"seconds":301}`)
	var status *jobStatusError
	if !errors.As(err, &status) || status.code != exitFailure {
		t.Fatalf("submit --wait of a failing job: %v, want exit status %d", err, exitFailure)
	}
	const reason = "SecondsAboveLimit: cannot sleep for 301 seconds: the processing limit is 300 seconds"
	if !strings.Contains(err.Error(), reason) || !strings.Contains(out, reason) {
		t.Fatalf("error %q and output\n%s\nwant the reason %q", err, out, reason)
	}
}

// blockedJobsd starts jobsd with one worker, held by a job that runs until
// release cancels it, so that the next job starts only after release.
func blockedJobsd(t *testing.T) (d jobsd, release func()) {
	t.Helper()
	d = startJobsd(t, func(cfg *local.Config) {
		cfg.Workers, cfg.JobTypes.Second, cfg.JobTypes.OrderStep = 1, time.Hour, time.Millisecond
	})
	blocker := d.submit(t, `{"seconds":1}`)
	return d, func() {
		if _, _, err := d.run("cancel", blocker); err != nil {
			t.Errorf("cancel the blocking job: %v", err)
		}
	}
}

// followOrder runs cmd on an order job that starts only once jobsctl has
// subscribed to its events, and returns what cmd printed.
func followOrder(t *testing.T, cmd string) string {
	t.Helper()
	d, release := blockedJobsd(t)
	args := []string{"--type", "order", "--wait", `{"orderId":"o-1"}`}
	if cmd == "watch" {
		args = []string{d.submit(t, "--type", "order", `{"orderId":"o-1"}`)}
	}
	var out bytes.Buffer
	notes := newNotifier("following job")
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), d.args(cmd, args...), &out, notes) }()
	select {
	case <-notes.seen:
		release()
	case err := <-done:
		t.Fatalf("%s ended before it followed the job: %v\n%s", cmd, err, notes)
	}
	if err := <-done; err != nil {
		t.Fatalf("%s: %v\n%s%s", cmd, err, out.String(), notes)
	}
	return out.String()
}

func TestFollowingAnOrderPrintsEveryStep(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"submit", "watch"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			out := followOrder(t, cmd)
			for i, step := range []string{"PAID (1/4)", "PREPARING (2/4)", "OUT_FOR_DELIVERY (3/4)", "DELIVERED (4/4)"} {
				if !strings.Contains(out, step) {
					t.Errorf("step %d, %s, was not printed", i+1, step)
				}
			}
			all := lines(out)
			if last := all[len(all)-1]; !strings.Contains(last, "Success") || !strings.Contains(last, `"status":"DELIVERED"`) {
				t.Errorf("last line %q, want the Success with its results", last)
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

func TestSubmitWaitLongPollsWithoutEvents(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	out, notes, err := d.run("submit", "--wait", "--events-endpoint", "https://127.0.0.1:1/event", `{"seconds":2}`)
	if err != nil {
		t.Fatalf("submit --wait without events: %v\n%s%s", err, out, notes)
	}
	if all := lines(out); !strings.Contains(all[len(all)-1], "I slept for 2 seconds") {
		t.Fatalf("want the Success last; got\n%s", out)
	}
	if !strings.Contains(notes, "long-polling") {
		t.Fatalf("stderr %q, want the note that jobsctl long-polls", notes)
	}
}

func TestSubmitOutputJSONIsOneJobALine(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	out, _, err := d.run("submit", "--wait", "--output", "json", "--type", "fullname", `{"name":"Ada","surname":"Lovelace"}`)
	if err != nil {
		t.Fatalf("submit --wait --output json: %v\n%s", err, out)
	}
	var j struct {
		ID, Type, Status string
		Results          struct{ Fullname string }
	}
	for i, line := range lines(out) {
		if err := json.Unmarshal([]byte(line), &j); err != nil || j.ID == "" || j.Type != "fullname" {
			t.Fatalf("line %d, %q, is not a job's JSON: %v", i+1, line, err)
		}
	}
	if j.Status != "Success" || j.Results.Fullname != "Ada Lovelace" {
		t.Fatalf("last line: %+v, want the Success with its results", j)
	}
}

func TestSubmitRefusals(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	d.submit(t, "--idempotency-key", "k-1", `{"seconds":1}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"field errors", []string{`{"seconds":0}`}, "the request is not valid: seconds: seconds must be at least 1"},
		{"unknown type", []string{"--type", "nope", `{}`}, "the request is not valid: type:"},
		{"not JSON", []string{`seconds=1`}, "the parameters must be JSON"},
		{"key reused", []string{"--idempotency-key", "k-1", `{"seconds":2}`}, "the API refused the request: the Idempotency-Key was already used"},
		{"no parameters", nil, "submit: want 1 argument(s), got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := d.run("submit", tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("submit %q: %v, want an error with %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestSubmitIdempotencyKeyGivesTheSameJob(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	first := d.submit(t, "--idempotency-key", "order-42", `{"seconds":1}`)
	if again := d.submit(t, "--idempotency-key", "order-42", `{"seconds":1}`); again != first {
		t.Fatalf("the same key and body gave job %s, then %s", first, again)
	}
}
