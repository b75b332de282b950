package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/awslocal"
	"github.com/asyncjobs/asyncjobs/internal/eventskey"
)

// TestBannerShowsThePushEndpoints starts the stack as awslocal does and
// checks that its banner shows, like jobsd's, the events endpoint, the
// realtime URL with the job namespace, the API key kept in the data
// directory and the CA.
func TestBannerShowsThePushEndpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the whole stack")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("Node is not installed: dynalite, the stack's DynamoDB, cannot run")
	}
	dataDir := t.TempDir()
	s, err := readSettings([]string{"--addr", "127.0.0.1:0", "--events-addr", "127.0.0.1:0", "--eventbridge-addr", "127.0.0.1:0",
		"--data-dir", dataDir, "--cdk-out", filepath.Join("..", "..", "infra", "cdk.out"), "--log-level", "warn"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.CDKOut, "manifest.json")); err != nil {
		t.Fatalf("no synthesized stack in %s: run `make synth` (make test runs it first)", s.CDKOut)
	}
	s.FunctionLog = io.Discard
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	stack, err := awslocal.Start(ctx, s.Config)
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close(context.Background())

	var banner strings.Builder
	printEndpoints(&banner, stack, s)
	events := strings.TrimPrefix(stack.Template.Events.HTTPEndpoint, "https://")
	for _, want := range []string{
		"Events    https://" + events + "   (AppSync Events: HTTP publish)",
		"Realtime  wss://" + events + "/realtime   (subscribe to /jobs/{id})",
		"API key   " + stack.EventsAPIKey() + "   (kept in " + filepath.Join(dataDir, eventskey.File) + ")",
		"CA        " + filepath.Join(dataDir, "tls", "ca.pem"),
	} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, banner.String())
		}
	}
}
