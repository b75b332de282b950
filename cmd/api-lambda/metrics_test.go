package main

import (
	"net/http"
	"slices"
	"testing"

	"github.com/asyncjobs/asyncjobs/metrics/emf/emftest"
)

// TestASubmissionWritesAnEMFLine: the service's Meter is wired, and what it
// writes is EMF.
func TestASubmissionWritesAnEMFLine(t *testing.T) {
	t.Parallel()
	f := setup(t)
	if resp, _ := f.serve(t, fixture(t, "apigateway-post-job.json")); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	got, err := emftest.Strings([]byte(f.metrics.String()))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"JobsSubmitted=1 {Type=sleep} / [[Type]]"}; !slices.Equal(got, want) {
		t.Errorf("metrics %q, want %q", got, want)
	}
}
