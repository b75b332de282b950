package local_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/local"
)

func config(dataDir string) local.Config {
	cfg := local.DefaultConfig()
	cfg.Addr, cfg.EventsAddr, cfg.DataDir, cfg.EventsAPIKey = "127.0.0.1:0", "127.0.0.1:0", dataDir, "da2-test"
	cfg.Retention, cfg.Workers, cfg.QueueSize, cfg.RetryDelay, cfg.ShutdownTimeout = time.Hour, 4, 100, time.Millisecond, 5*time.Second
	cfg.JobTypes = jobtypes.Config{Second: 10 * time.Millisecond, OrderStep: 10 * time.Millisecond}
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Auth = false // these tests speak plain HTTP; the SigV4 tests sign
	return cfg
}

func start(t *testing.T, cfg local.Config) (*local.System, string) {
	t.Helper()
	sys, err := local.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Shutdown(context.Background()) })
	return sys, "http://" + sys.Addr()
}

type jobJSON struct {
	ID         string          `json:"id"`
	Status     string          `json:"status"`
	Seq        int64           `json:"seq"`
	Attempts   int             `json:"attempts"`
	Parameters json.RawMessage `json:"parameters"`
	Results    json.RawMessage `json:"results"`
	Error      *jobs.ErrorInfo `json:"error"`
}

func call(t *testing.T, method, url, body string, header ...string) (*http.Response, jobJSON) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j jobJSON
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &j)
	return resp, j
}

func submit(t *testing.T, base, body string) jobJSON {
	t.Helper()
	resp, j := call(t, http.MethodPost, base+"/jobs", body)
	if resp.StatusCode != http.StatusAccepted || j.ID == "" {
		t.Fatalf("POST %s: %d %+v", body, resp.StatusCode, j)
	}
	return j
}

// waitFor long-polls the job until it is terminal.
func waitFor(t *testing.T, base, id string) jobJSON {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, j := call(t, http.MethodGet, base+"/jobs/"+id+"?wait=5", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", id, resp.StatusCode)
		}
		if jobs.Status(j.Status).Terminal() {
			return j
		}
	}
	t.Fatalf("job %s never finished", id)
	return jobJSON{}
}

func TestSleepJobSucceeds(t *testing.T) {
	t.Parallel()
	_, base := start(t, config(t.TempDir()))
	j := submit(t, base, `{"seconds":1}`)
	got := waitFor(t, base, j.ID)
	if got.Status != "Success" || string(got.Results) != `{"message":"I slept for 1 seconds"}` || got.Seq < 3 {
		t.Fatalf("job %+v, want Success with the sample's message", got)
	}
}

func TestPreferWaitAnswersWithTheFinishedJob(t *testing.T) {
	t.Parallel()
	_, base := start(t, config(t.TempDir()))
	resp, j := call(t, http.MethodPost, base+"/jobs", `{"seconds":1}`, "Prefer", "wait=5")
	if resp.StatusCode != http.StatusOK || j.Status != "Success" {
		t.Fatalf("POST with Prefer: wait=5: %d %s, want 200 Success", resp.StatusCode, j.Status)
	}
}

func TestFailurePathRecordsWhy(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.MaxRetries = 1
	_, base := start(t, cfg)
	j := submit(t, base, `{"seconds":301}`)
	got := waitFor(t, base, j.ID)
	if got.Status != "Failure" || got.Error == nil || string(got.Parameters) != `{"seconds":301}` || got.Attempts != 2 {
		t.Fatalf("job %+v, want Failure after 2 attempts with its parameters", got)
	}
	want := jobs.ErrorInfo{Type: "SecondsAboveLimit", Condition: jobs.ConditionRetriesExhausted,
		Message: "cannot sleep for 301 seconds: the processing limit is 300 seconds"}
	if *got.Error != want {
		t.Fatalf("error %+v, want %+v", *got.Error, want)
	}
}

func TestFullQueueAnswers503(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.Workers, cfg.QueueSize = 1, 1
	cfg.JobTypes.OrderStep = time.Hour
	_, base := start(t, cfg)
	submit(t, base, `{"type":"order","parameters":{"orderId":"o-1"}}`)
	resp, _ := call(t, http.MethodPost, base+"/jobs", `{"seconds":1}`)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("POST over a full queue: %d Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestRestartRedrivesUnfinishedJobs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := config(dir)
	cfg.Workers = 1
	cfg.ShutdownTimeout = 0 // leave everything unfinished
	cfg.JobTypes.OrderStep = 200 * time.Millisecond
	sys, err := local.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + sys.Addr()
	var ids []string
	for i := range 5 {
		ids = append(ids, submit(t, base, fmt.Sprintf(`{"type":"order","parameters":{"orderId":"o-%d"}}`, i)).ID)
	}
	sys.Shutdown(context.Background())

	cfg.JobTypes.OrderStep = time.Millisecond
	_, base = start(t, cfg)
	for _, id := range ids {
		if got := waitFor(t, base, id); got.Status != "Success" {
			t.Fatalf("job %s after restart: %s", id, got.Status)
		}
	}
}

func TestReplayRecordsArchivedFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	at := time.Now().UTC().Add(-time.Minute)
	// A job left Running, whose failure record reached the archive because
	// the error handler could not record it.
	store, err := boltstore.Open(filepath.Join(dir, "jobs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Create(context.Background(), jobs.Job{ID: "a", Owner: sigv4.DevPrincipal, Type: "sleep", Status: jobs.StatusRunning,
		Parameters: json.RawMessage(`{"seconds":301}`), CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(time.Hour), Seq: 1}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	archive, err := localarchive.Open(filepath.Join(dir, "archive.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rec := destination.Record{Version: "1.0", Timestamp: at,
		RequestContext: destination.RequestContext{RequestID: "r", Condition: jobs.ConditionRetriesExhausted, ApproximateInvokeCount: 1,
			FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:jobs-processor:$LATEST"},
		RequestPayload:  json.RawMessage(`{"jobId":"a"}`),
		ResponsePayload: &destination.ResponsePayload{ErrorType: "SecondsAboveLimit", ErrorMessage: "too long"}}
	// What reaches the archive is the error handler's own failure record,
	// whose request payload is the processor's record.
	payload, _ := json.Marshal(rec)
	outer := destination.Record{Version: "1.0", Timestamp: at,
		RequestContext: destination.RequestContext{RequestID: "r2", Condition: jobs.ConditionRetriesExhausted, ApproximateInvokeCount: 1,
			FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:jobs-error-handler:$LATEST"},
		RequestPayload:  payload,
		ResponsePayload: &destination.ResponsePayload{ErrorType: "Error", ErrorMessage: "store unavailable"}}
	e, _ := errorhandling.Envelope(outer, "evt", "us-east-1", local.Account, nil)
	if err := archive.Put(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	archive.Close()

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	report, err := local.Replay(context.Background(), dir, at.Add(-time.Second), at.Add(time.Second), jobs.SystemClock{}, logger)
	if err != nil || report.Replayed != 1 {
		t.Fatalf("replay: %+v %v", report, err)
	}
	_, base := start(t, config(dir))
	_, got := call(t, http.MethodGet, base+"/jobs/a", "")
	if got.Status != "Failure" || got.Error == nil || got.Error.Message != "too long" {
		t.Fatalf("job after replay: %+v", got)
	}
	if _, err := local.Replay(context.Background(), dir, at, at.Add(time.Second), jobs.SystemClock{}, logger); err == nil ||
		!strings.Contains(err.Error(), "in use") {
		t.Fatalf("replay while jobsd runs: %v, want an 'in use' error", err)
	}
}

func TestFailedStartReleasesWhatItOpened(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := config(t.TempDir())
	cfg.Addr = busy.Addr().String()
	if _, err := local.Start(cfg); err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Fatalf("Start on a busy address: %v, want a listen error", err)
	}
	// The data files were closed: a second start on the same directory gets them.
	cfg.Addr = "127.0.0.1:0"
	start(t, cfg)
}
