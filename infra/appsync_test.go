package main

import (
	"encoding/json"
	"maps"
	"os/exec"
	"slices"
	"testing"
)

// TestJobsNamespaceLetsSubscribersNameOneJobOnly runs the namespace's
// handler file, as deployed, under Node (testdata/appsync-handler.mjs stands
// in for the APPSYNC_JS runtime's util).
func TestJobsNamespaceLetsSubscribersNameOneJobOnly(t *testing.T) {
	want := map[string]string{
		"/jobs/0192f0a4-6b1e-7c3d-9a2b-5e4f3a2b1c0d": "allowed",
		"/jobs/abc-123": "allowed",
		"/jobs/*":       "unauthorized", // every job
		"/jobs":         "unauthorized",
		"/jobs/a/b":     "unauthorized",
		"/jobs/a/*":     "unauthorized",
		"/*":            "unauthorized",
		"/other/abc":    "unauthorized",
	}
	args := append([]string{"--disable-warning=MODULE_TYPELESS_PACKAGE_JSON",
		"testdata/appsync-handler.mjs", "appsync/jobs-namespace.js", eventsNamespace}, slices.Sorted(maps.Keys(want))...)
	out, err := exec.Command("node", args...).Output()
	if err != nil {
		var stderr []byte
		if exit, ok := err.(*exec.ExitError); ok {
			stderr = exit.Stderr
		}
		t.Fatalf("node: %v\n%s", err, stderr)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("harness output %s: %v", out, err)
	}
	for channel, outcome := range want {
		if got[channel] != outcome {
			t.Errorf("subscribe %s: %s, want %s", channel, got[channel], outcome)
		}
	}
}
