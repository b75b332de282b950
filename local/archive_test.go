package local_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
	"github.com/asyncjobs/asyncjobs/local"
)

// archivedFailure is one job left Running by a jobsd and its failure event
// in the archive, as the error handler leaves it when it cannot record it;
// with no owner, the job is gone.
type archivedFailure struct{ job, owner, event string }

// seedArchive writes the jobs and their archived failure events into dir
// before jobsd opens it.
func seedArchive(t *testing.T, dir string, failures ...archivedFailure) {
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
	for i, f := range failures {
		if f.owner != "" { // no owner: the job is gone, only its event is left
			if _, err := store.Create(context.Background(), jobs.Job{ID: f.job, Owner: f.owner, Type: "sleep", Status: jobs.StatusRunning,
				Parameters: json.RawMessage(`{"seconds":1}`), CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(time.Hour), Seq: 1}); err != nil {
				t.Fatal(err)
			}
		}
		rec := destination.Record{Version: "1.0", Timestamp: at.Add(time.Duration(i) * time.Second),
			RequestContext: destination.RequestContext{RequestID: "r-" + f.job, Condition: jobs.ConditionRetriesExhausted, ApproximateInvokeCount: 1,
				FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:jobs-processor:$LATEST"},
			RequestPayload:  json.RawMessage(`{"jobId":"` + f.job + `"}`),
			ResponsePayload: &destination.ResponsePayload{ErrorType: "Boom", ErrorMessage: "boom in " + f.job}}
		e, err := errorhandling.Envelope(rec, f.event, "us-east-1", local.Account, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := archive.Put(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

type archiveJSON struct {
	Events []struct {
		ID           string `json:"id"`
		JobID        string `json:"jobId"`
		ErrorMessage string `json:"errorMessage"`
	} `json:"events"`
}

type replayJSON struct {
	Replayed     []string `json:"replayed"`
	RefusedAgain []string `json:"refusedAgain"`
	Ignored      []string `json:"ignored"`
}

// signedJSON sends a signed request and decodes its 200 answer into v.
func signedJSON(t *testing.T, cred sigv4.Credential, method, url, body string, v any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(signed(t, method, url, body, cred, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s as %s: %d", method, url, cred.Principal, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func eventIDs(a archiveJSON) []string {
	var ids []string
	for _, e := range a.Events {
		ids = append(ids, e.ID)
	}
	return ids
}

// B never sees A's archived failures, and the ids of A's events in B's
// replay are ignored (answered as ignored, exactly as an id that does not
// exist): A's job stays as it was.
func TestArchiveShowsAndReplaysOnlyTheCallersFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := sigv4.Credential{AccessKeyID: sigv4.DevAccessKeyID, SecretAccessKey: sigv4.DevSecretAccessKey, Principal: sigv4.DevPrincipal}
	seedArchive(t, dir,
		archivedFailure{job: "job-a", owner: a.Principal, event: "evt-a"},
		archivedFailure{job: "job-b", owner: principalB.Principal, event: "evt-b"},
		archivedFailure{job: "gone", event: "evt-gone"})
	cfg := config(dir)
	cfg.Auth = true
	cfg.Credentials = append(cfg.Credentials, principalB)
	cfg.Workers = 1
	cfg.JobTypes.Second = time.Minute // the re-driven jobs stay Running
	_, base := start(t, cfg)

	var seenByB archiveJSON
	signedJSON(t, principalB, http.MethodGet, base+"/local/archive", "", &seenByB)
	if got := eventIDs(seenByB); !reflect.DeepEqual(got, []string{"evt-b"}) || seenByB.Events[0].JobID != "job-b" ||
		seenByB.Events[0].ErrorMessage != "boom in job-b" {
		t.Fatalf("B's archive: %+v, want only evt-b", seenByB)
	}
	var replayedByB replayJSON
	signedJSON(t, principalB, http.MethodPost, base+"/local/archive/replay", `{"ids":["evt-a","evt-b","no-such"]}`, &replayedByB)
	if !reflect.DeepEqual(replayedByB, replayJSON{Replayed: []string{"evt-b"}, RefusedAgain: []string{}, Ignored: []string{"evt-a", "no-such"}}) {
		t.Fatalf("B's replay: %+v", replayedByB)
	}
	if code, j := signedCall(t, a, http.MethodGet, base+"/jobs/job-a", ""); code != http.StatusOK || j.Status != "Running" {
		t.Fatalf("A's job after B's replay: %d %+v, want it Running", code, j)
	}
	if code, j := signedCall(t, principalB, http.MethodGet, base+"/jobs/job-b", ""); code != http.StatusOK || j.Status != "Failure" ||
		j.Error == nil || j.Error.Message != "boom in job-b" {
		t.Fatalf("B's job after B's replay: %d %+v, want its Failure", code, j)
	}

	var seenByA archiveJSON
	signedJSON(t, a, http.MethodGet, base+"/local/archive", "", &seenByA)
	if got := eventIDs(seenByA); !reflect.DeepEqual(got, []string{"evt-a"}) {
		t.Fatalf("A's archive: %v, want evt-a (B's is not A's; a gone job is left out)", got)
	}
	var replayedByA replayJSON
	signedJSON(t, a, http.MethodPost, base+"/local/archive/replay", `{"ids":["evt-a"]}`, &replayedByA)
	if !reflect.DeepEqual(replayedByA.Replayed, []string{"evt-a"}) {
		t.Fatalf("A's replay: %+v", replayedByA)
	}
	if _, j := signedCall(t, a, http.MethodGet, base+"/jobs/job-a", ""); j.Status != "Failure" {
		t.Fatalf("A's job after A's replay: %+v, want its Failure", j)
	}
}

func TestArchiveRefusesBadRequests(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.Auth = true
	_, base := start(t, cfg)
	cred := cfg.Credentials[0]
	for _, tc := range []struct {
		name, method, path, body string
		want                     int
	}{
		{"not JSON", http.MethodPost, "/local/archive/replay", `{"ids":`, http.StatusBadRequest},
		{"no ids", http.MethodPost, "/local/archive/replay", `{"ids":[]}`, http.StatusBadRequest},
		{"unknown field", http.MethodPost, "/local/archive/replay", `{"from":"2026-01-01T00:00:00Z"}`, http.StatusBadRequest},
		{"wrong method", http.MethodDelete, "/local/archive", "", http.StatusMethodNotAllowed},
	} {
		resp, p := askProblem(t, signed(t, tc.method, base+tc.path, tc.body, cred, time.Now()))
		if resp.StatusCode != tc.want || p.Status != tc.want {
			t.Errorf("%s: %d %+v, want %d", tc.name, resp.StatusCode, p, tc.want)
		}
	}
	unsigned, err := http.NewRequest(http.MethodGet, base+"/local/archive", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := askProblem(t, unsigned); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned GET: %d, want 403", resp.StatusCode)
	}
}
