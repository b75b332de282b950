package local_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/local"
)

// TestJSONLogsNameTheRouteCallerAndJob drives jobs through success, retry
// and failure, and a cancellation, signed as the dev principal, and reads
// jobsd's JSON log: one access line per request with its route, status,
// latency and the principal that signed it (none for the unsigned console),
// and every line about a job with both its id and its type.
func TestJSONLogsNameTheRouteCallerAndJob(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.Auth = true // the dev credential of DefaultConfig
	cfg.MaxRetries = 1
	var logs syncbuf.Buffer
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sys, err := local.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + sys.Addr()
	dev := cfg.Credentials[0]
	requests := map[string]int{} // route → requests sent
	send := func(method, route, path, body string) map[string]any {
		t.Helper()
		requests[route]++
		code, answer := status(t, signed(t, method, base+path, body, dev, time.Now()))
		if code >= 300 {
			t.Fatalf("%s %s: %d %v", method, path, code, answer)
		}
		return answer
	}
	finish := func(id string) string {
		t.Helper()
		for range 100 {
			if s := send(http.MethodGet, "/jobs/:id", "/jobs/"+id+"?wait=5", "")["status"].(string); jobs.Status(s).Terminal() {
				return s
			}
		}
		t.Fatalf("job %s never finished", id)
		return ""
	}
	succeeds := send(http.MethodPost, "/jobs", "/jobs", `{"type":"sleep","parameters":{"seconds":1}}`)["id"].(string)
	fails := send(http.MethodPost, "/jobs", "/jobs", `{"type":"sleep","parameters":{"seconds":301}}`)["id"].(string)
	cancelled := send(http.MethodPost, "/jobs", "/jobs", `{"type":"sleep","parameters":{"seconds":300}}`)["id"].(string)
	send(http.MethodDelete, "/jobs/:id", "/jobs/"+cancelled, "")
	for id, want := range map[string]string{succeeds: "Success", fails: "Failure", cancelled: "Cancelled"} {
		if got := finish(id); got != want {
			t.Errorf("job %s ended %s, want %s", id, got, want)
		}
	}
	send(http.MethodGet, local.ArchivePath, local.ArchivePath, "")
	resp, err := http.Get(base + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	requests["/console/"]++
	// Shutting down waits for every request, so their lines are all written.
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	logged := map[string]int{}
	typed := map[string]bool{} // job ids seen with their type
	for line := range strings.Lines(logs.String()) {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if entry["msg"] == "request" {
			route, _ := entry["route"].(string)
			logged[route]++
			if _, ok := entry["latency"].(float64); !ok || entry["status"] == nil {
				t.Errorf("access line without status and latency: %s", line)
			}
			if want := map[bool]any{true: dev.Principal, false: nil}[route != "/console/"]; entry["principal"] != want {
				t.Errorf("access line of %s names principal %v, want %v: %s", route, entry["principal"], want, line)
			}
		}
		id, hasJob := entry["job"]
		typ, hasType := entry["type"]
		if hasJob != hasType {
			t.Errorf("a line names a job without its type, or a type without its job: %s", line)
		}
		if hasJob && typ == "sleep" {
			typed[id.(string)] = true
		}
	}
	for route, n := range requests {
		if logged[route] != n {
			t.Errorf("%d access lines for %s, want %d (one per request)", logged[route], route, n)
		}
	}
	if len(logged) != len(requests) {
		t.Errorf("access lines by route %v, want %v", logged, requests)
	}
	for _, id := range []string{succeeds, fails, cancelled} {
		if !typed[id] {
			t.Errorf("no line names job %s with its type", id)
		}
	}
	if !strings.Contains(logs.String(), `"msg":"job attempt failed"`) || !strings.Contains(logs.String(), `"msg":"job failed"`) {
		t.Errorf("the retried and failed attempts were not logged:\n%s", logs.String())
	}
}
