package main

import (
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/asyncjobs/asyncjobs/metrics/emf/emftest"
)

// TestAnAttemptWritesEMFLines: the processor's Meter is wired, and what it
// writes is EMF.
func TestAnAttemptWritesEMFLines(t *testing.T) {
	t.Parallel()
	h, store, _, metrics := setupMetered(t)
	seed(t, store, `{"seconds":1}`)
	if _, err := lambda.NewHandler(h.handle).Invoke(t.Context(), fixture(t, "async-invocation.json")); err != nil {
		t.Fatal(err)
	}
	got, err := emftest.Strings([]byte(metrics.String()))
	if err != nil {
		t.Fatal(err)
	}
	// The fixed clock: a minute after the submission, and no time to run.
	want := []string{
		"JobAttempts=1 JobRetries=0 QueueWait=60000 {Type=sleep} / [[Type]]",
		"JobsFinished=1 SubmitToFinish=60000 {Status=Success,Type=sleep} / [[Type Status] [Status]]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("metrics\n%q\nwant\n%q", got, want)
	}
}
