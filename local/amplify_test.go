package local_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/amplifytest"
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
	cfg := config(t.TempDir())
	cfg.JobTypes.OrderStep = 50 * time.Millisecond
	cfg.Workers = 1 // a sleep job holds the order job Pending until cancelled
	sys, base := start(t, cfg)
	amplifytest.Run(t, dir,
		"NODE_EXTRA_CA_CERTS="+sys.CAFile(),
		"EVENTS_ENDPOINT=https://"+sys.EventsAddr()+"/event",
		"EVENTS_API_KEY="+cfg.EventsAPIKey,
		"API_URL="+base,
	)
}
