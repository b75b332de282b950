package local_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive/archivetest"
)

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
	archivetest.Seed(t, dir,
		archivetest.Failure{Job: "job-a", Owner: a.Principal, Event: "evt-a"},
		archivetest.Failure{Job: "job-b", Owner: principalB.Principal, Event: "evt-b"},
		archivetest.Failure{Job: "gone", Event: "evt-gone"})
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
