package local_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAmplifyClientInterop runs interop/amplify/interop.mjs — the unmodified
// aws-amplify events client — against a jobsd started here: it subscribes to
// its job's channel and receives every change in seq order; it is refused
// when it subscribes to /jobs/*, when it publishes to the job's channel over
// the socket and over HTTP, and with a wrong API key.
func TestAmplifyClientInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Node")
	}
	dir, err := filepath.Abs("../interop/amplify")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "aws-amplify")); err != nil {
		t.Fatalf("the Node packages are not installed: run `npm ci` in %s (make test does it)", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH: the interop test needs Node 20 or later")
	}
	cfg := config(t.TempDir())
	cfg.JobTypes.OrderStep = 50 * time.Millisecond
	cfg.Workers = 1 // a sleep job holds the order job Pending until cancelled
	sys, base := start(t, cfg)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "interop.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"NODE_EXTRA_CA_CERTS="+sys.CAFile(),
		"EVENTS_ENDPOINT=https://"+sys.EventsAddr()+"/event",
		"EVENTS_API_KEY="+cfg.EventsAPIKey,
		"API_URL="+base,
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("interop.mjs: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("interop.mjs did not report success:\n%s", out)
	}
	t.Logf("interop.mjs: %s", strings.TrimSpace(string(out)))
}
