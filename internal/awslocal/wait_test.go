package awslocal

import (
	"net/http"
	"testing"
	"time"
)

// TestSubmitAndWait: with Prefer: wait=N the API function waits for the job
// as in AWS, subscribed to the local events endpoint with its role's IAM
// signature, and answers the finished job as soon as it is pushed. Without
// the push it would answer from the store when the 20 s ran out.
func TestSubmitAndWait(t *testing.T) {
	s, _ := setup(t)
	start := time.Now()
	resp, job := call(t, "POST", s.APIURL()+"jobs", `{"seconds":1}`, "Prefer", "wait=20")
	elapsed := time.Since(start)
	results, _ := job["results"].(map[string]any)
	if resp.StatusCode != http.StatusOK || job["status"] != "Success" || results["message"] != "I slept for 1 seconds" {
		t.Fatalf("POST with Prefer: wait=20: %d %v, want 200 Success", resp.StatusCode, job)
	}
	if got := resp.Header.Get("Preference-Applied"); got != "wait=20" {
		t.Errorf("Preference-Applied %q, want wait=20", got)
	}
	if elapsed > 15*time.Second {
		t.Errorf("a 1 s job answered after %v: the wait was not woken by the job's push", elapsed)
	}
	t.Logf("a 1 s job answered after %v", elapsed)
}
