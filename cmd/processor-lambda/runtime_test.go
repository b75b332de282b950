package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
)

// childDataDir, when set, makes the test binary run the function under the
// Lambda runtime over the store in that directory.
const childDataDir = "PROCESSOR_LAMBDA_TEST_DATA_DIR"

// TestTheRuntimeReportsTheJobsErrorType runs the function as main does, with
// lambda.Start and its Runtime API loop, in a child process against a fake
// Runtime API, and reads the error that the runtime reports for a failed
// attempt: Lambda copies it into the failure record's responsePayload.
func TestTheRuntimeReportsTheJobsErrorType(t *testing.T) {
	if dir := os.Getenv(childDataDir); dir != "" {
		runFunction(t, dir)
		return
	}
	t.Parallel()
	dir := t.TempDir()
	store := openStore(t, dir)
	seed(t, store, `{"seconds":301}`)
	store.Close()

	errors := make(chan []byte, 1)
	var nexts atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		if nexts.Add(1) > 1 {
			<-r.Context().Done() // no more invocations: wait to be killed
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "8f3b3c1e-5b8e-4a4e-9d6a-2f0d4c1b7a10")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:jobs-processor")
		_, _ = w.Write(fixture(t, "async-invocation.json"))
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if id := r.PathValue("id"); id != "8f3b3c1e-5b8e-4a4e-9d6a-2f0d4c1b7a10" {
			t.Errorf("error reported for request %s", id)
		}
		w.WriteHeader(http.StatusAccepted)
		errors <- body
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, _ *http.Request) {
		t.Error("the function succeeded; want a failed attempt")
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var output bytes.Buffer
	child := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$")
	child.Env = append(os.Environ(), childDataDir+"="+dir, "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(srv.URL, "http://"))
	child.Stdout, child.Stderr = &output, &output
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var reported []byte
	select {
	case reported = <-errors:
	case <-time.After(time.Minute):
	}
	_ = child.Process.Kill()
	_ = child.Wait()
	if reported == nil {
		t.Fatalf("the runtime reported no error; the function's output:\n%s", output.String())
	}

	var payload struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if err := json.Unmarshal(reported, &payload); err != nil {
		t.Fatalf("error payload %s: %v", reported, err)
	}
	if payload.ErrorType != "SecondsAboveLimit" || payload.ErrorMessage != "cannot sleep for 301 seconds: the processing limit is 300 seconds" {
		t.Errorf("the runtime reported %s, want errorType SecondsAboveLimit and the job's message", reported)
	}
	store = openStore(t, dir)
	defer store.Close()
	if j, err := store.Get(t.Context(), jobID); err != nil || j.Status != jobs.StatusRunning || j.Attempts != 1 {
		t.Errorf("stored %s after %d attempts (%v), want Running after 1: the error handler records the Failure", j.Status, j.Attempts, err)
	}
}

// runFunction is the child: the function over the store in dir, under the
// Lambda runtime, until it is killed.
func runFunction(t *testing.T, dir string) {
	store := openStore(t, dir)
	h, err := newHandler(handlerDeps{
		Store: everyWriteDurable{store}, Publisher: &recorder{}, Namespace: "jobs",
		JobTypes: jobtypes.Config{Second: time.Millisecond, OrderStep: time.Millisecond},
		Clock:    fixedClock{}, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	lambda.Start(h.handle)
}

// everyWriteDurable is a store whose every update is durable before it
// returns, as DynamoDB's are: it hides boltstore's soft updates (a job's
// start would not be on disk when the child is killed).
type everyWriteDurable struct{ jobs.Store }
