package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestWatchPrintsChangesUntilTheEnd(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	id := d.submit(t, "--type", "order", `{"orderId":"o-1"}`)
	out, _, err := d.run("watch", id)
	if err != nil {
		t.Fatalf("watch: %v\n%s", err, out)
	}
	all := lines(out)
	last := all[len(all)-1]
	if !strings.Contains(last, "Success") || !strings.Contains(last, `"status":"DELIVERED"`) {
		t.Fatalf("last line %q, want the Success with its results\n%s", last, out)
	}
}

func TestWatchExitStatusSaysHowTheJobEnded(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	id := d.submit(t, `{"seconds":301}`)
	out, _, err := d.run("watch", "--output", "json", id)
	var status *jobStatusError
	if !errors.As(err, &status) || status.code != exitFailure {
		t.Fatalf("watch of a failing job: %v, want exit status %d", err, exitFailure)
	}
	all := lines(out)
	var last struct {
		Status string
		Error  struct{ Message string }
	}
	if err := json.Unmarshal([]byte(all[len(all)-1]), &last); err != nil || last.Status != "Failure" ||
		!strings.Contains(last.Error.Message, "processing limit is 300 seconds") {
		t.Fatalf("last line %q (%v), want the Failure with its reason", all[len(all)-1], err)
	}
}

func TestWatchUnknownJob(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	_, _, err := d.run("watch", "no-such-job")
	if err == nil || !strings.Contains(err.Error(), "no job no-such-job (or it belongs to another principal)") {
		t.Fatalf("watch of an unknown job: %v, want the 404's message", err)
	}
}
