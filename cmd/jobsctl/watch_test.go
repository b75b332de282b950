package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/local"
)

func startJobsd(t *testing.T) (*local.System, []string) {
	t.Helper()
	cfg := local.DefaultConfig()
	cfg.Addr, cfg.EventsAddr, cfg.DataDir, cfg.EventsAPIKey = "127.0.0.1:0", "127.0.0.1:0", t.TempDir(), "da2-test"
	cfg.JobTypes = jobtypes.Config{Second: 20 * time.Millisecond, OrderStep: 100 * time.Millisecond}
	cfg.Logger = slog.New(slog.DiscardHandler)
	sys, err := local.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Shutdown(context.Background()) })
	flags := []string{
		"--endpoint", "http://" + sys.Addr(), "--events-endpoint", "https://" + sys.EventsAddr() + "/event",
		"--events-api-key", "da2-test", "--ca-file", sys.CAFile(),
	}
	return sys, flags
}

func submit(t *testing.T, sys *local.System, body string) string {
	t.Helper()
	resp, err := http.Post("http://"+sys.Addr()+"/jobs", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&j)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: %d", body, resp.StatusCode)
	}
	return j.ID
}

func TestWatchPrintsChangesUntilTheEnd(t *testing.T) {
	t.Parallel()
	sys, flags := startJobsd(t)
	id := submit(t, sys, `{"type":"order","parameters":{"orderId":"o-1"}}`)
	var out bytes.Buffer
	if err := run(context.Background(), append(append([]string{"watch"}, flags...), id), &out, io.Discard); err != nil {
		t.Fatalf("watch: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, "Success") || !strings.Contains(last, `"status":"DELIVERED"`) {
		t.Fatalf("last line %q, want the Success with its results\n%s", last, out.String())
	}
	if !strings.Contains(out.String(), "DELIVERED (4/4)") {
		t.Fatalf("the last step was not printed:\n%s", out.String())
	}
}

func TestWatchExitStatusSaysHowTheJobEnded(t *testing.T) {
	t.Parallel()
	sys, flags := startJobsd(t)
	id := submit(t, sys, `{"seconds":301}`)
	var out bytes.Buffer
	err := run(context.Background(), append(append([]string{"watch", "--output", "json"}, flags...), id), &out, io.Discard)
	var status *jobStatusError
	if !errors.As(err, &status) || status.code != exitFailure {
		t.Fatalf("watch of a failing job: %v, want exit status %d", err, exitFailure)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var last struct {
		Status string
		Error  struct{ Message string }
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.Status != "Failure" ||
		!strings.Contains(last.Error.Message, "processing limit is 300 seconds") {
		t.Fatalf("last line %q (%v), want the Failure with its reason", lines[len(lines)-1], err)
	}
}

func TestWatchUnknownJob(t *testing.T) {
	t.Parallel()
	_, flags := startJobsd(t)
	err := run(context.Background(), append(append([]string{"watch"}, flags...), "no-such-job"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("watch of an unknown job: %v, want the 404", err)
	}
}
