package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
	"github.com/asyncjobs/asyncjobs/local"
)

// seedFailures leaves in dir, for each owner, a Running sleep job whose
// failure event is in the archive (keyed "evt-" + job id), before jobsd
// opens it.
func seedFailures(t *testing.T, dir string, owners map[string]string) {
	t.Helper()
	at := time.Now().UTC().Add(-time.Minute)
	store, err := boltstore.Open(filepath.Join(dir, "jobs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	archive, err := localarchive.Open(filepath.Join(dir, "archive.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer archive.Close()
	for id, owner := range owners {
		if _, err := store.Create(context.Background(), jobs.Job{ID: id, Owner: owner, Type: "sleep", Status: jobs.StatusRunning,
			Parameters: json.RawMessage(`{"seconds":1}`), CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(time.Hour), Seq: 1}); err != nil {
			t.Fatal(err)
		}
		rec := destination.Record{Version: "1.0", Timestamp: at,
			RequestContext: destination.RequestContext{RequestID: "r-" + id, Condition: jobs.ConditionRetriesExhausted, ApproximateInvokeCount: 1,
				FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:jobs-processor:$LATEST"},
			RequestPayload:  json.RawMessage(`{"jobId":"` + id + `"}`),
			ResponsePayload: &destination.ResponsePayload{ErrorType: "Boom", ErrorMessage: "boom in " + id}}
		e, err := errorhandling.Envelope(rec, "evt-"+id, "us-east-1", local.Account, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := archive.Put(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConsoleArchiveIsItsPrincipals: the console signs as A; B's archived
// failure is neither listed nor replayed through it.
func TestConsoleArchiveIsItsPrincipals(t *testing.T) {
	cfg := config(t, time.Minute) // the re-driven jobs stay Running
	seedFailures(t, cfg.DataDir, map[string]string{"job-a": principalA.Principal, "job-b": principalB.Principal})
	base := start(t, cfg)

	code, body := send(t, "GET", base+"/console/api/local/archive", "")
	if code != http.StatusOK || !strings.Contains(body, `"evt-job-a"`) || strings.Contains(body, "job-b") {
		t.Fatalf("GET the archive through the console: %d %s, want A's failure and not B's", code, body)
	}
	if code, body := send(t, "POST", base+"/console/api/local/archive/replay", `{"ids":["evt-job-b"]}`); code != http.StatusForbidden {
		t.Errorf("replay without X-Console: %d %s, want 403", code, body)
	}
	code, body = send(t, "POST", base+"/console/api/local/archive/replay", `{"ids":["evt-job-b","evt-job-a"]}`,
		"X-Console", "1", "Content-Type", "application/json")
	if code != http.StatusOK || body != `{"replayed":["evt-job-a"],"refusedAgain":[],"ignored":["evt-job-b"]}`+"\n" {
		t.Fatalf("replay through the console: %d %s, want A's replayed and B's ignored", code, body)
	}
	if got := getAs(t, base, principalB, "job-b"); got.Status != "Running" {
		t.Errorf("B's job is %s after the console's replay, want it untouched", got.Status)
	}
	if got := getAs(t, base, principalA, "job-a"); got.Status != "Failure" {
		t.Errorf("A's job is %s after the console's replay, want its Failure", got.Status)
	}
}
