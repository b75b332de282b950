package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
	"github.com/asyncjobs/asyncjobs/internal/testclock"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/jobs/lambdainvoker"
	"github.com/asyncjobs/asyncjobs/metrics/emf"
)

// The job of the fixtures and the caller that API Gateway's IAM auth verified.
const (
	jobID = "0192f0a4-6b1e-7c3d-9a2b-5e4f3a2b1c0d"
	owner = "arn:aws:iam::123456789012:user/postman"
)

// invokeRoleARN is the stack's invoke role in the fixtures.
const invokeRoleARN = "arn:aws:iam::123456789012:role/AsyncJobs-JobsAPIInvokeRole1A2B3C4D-EXAMPLE"

var now = time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC)

// recorder is a push.Publisher that keeps every event, as the job JSON it is.
type recorder struct {
	mu     sync.Mutex
	chans  []string
	events []jobjson.Job
}

func (r *recorder) Publish(_ context.Context, channel string, events []json.RawMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range events {
		var j jobjson.Job
		if err := json.Unmarshal(e, &j); err != nil {
			return err
		}
		r.chans = append(r.chans, channel)
		r.events = append(r.events, j)
	}
	return nil
}

func (r *recorder) published() ([]string, []jobjson.Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.chans...), append([]jobjson.Job(nil), r.events...)
}

// lambdaAPI is the Lambda service as the invoker's client: it accepts every
// invocation, or refuses every one with err, and keeps the payloads.
type lambdaAPI struct {
	mu       sync.Mutex
	err      error
	payloads []string
}

func (l *lambdaAPI) Invoke(_ context.Context, in *awslambda.InvokeInput, _ ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, l.err
	}
	l.payloads = append(l.payloads, string(in.Payload))
	return &awslambda.InvokeOutput{StatusCode: http.StatusAccepted}, nil
}

// fixture reads an API Gateway event of testdata.
func fixture(t *testing.T, name string) events.APIGatewayProxyRequest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal(data, &req); err != nil {
		t.Fatal(err)
	}
	return req
}

// testAPI is the function under test and what it is made of.
type testAPI struct {
	api     *api
	clock   *testclock.Manual
	logs    logLines
	metrics *syncbuf.Buffer // the EMF lines
	store   *boltstore.Store
	lambda  *lambdaAPI
	pub     *recorder
	watcher *watcher
}

// logLines keeps the lines the function logs, up to its capacity; a
// channel, since the notifier may log from its own goroutine.
type logLines chan string

func (l logLines) Write(p []byte) (int, error) {
	select {
	case l <- string(p):
	default:
	}
	return len(p), nil
}

// String is what was logged since the last call.
func (l logLines) String() string {
	var b strings.Builder
	for {
		select {
		case line := <-l:
			b.WriteString(line)
		default:
			return b.String()
		}
	}
}

// watcher is the in-process jobs.Hub, telling each job it starts watching;
// each Watch first takes dial of the clock, as a slow WebSocket dial would.
type watcher struct {
	hub      *jobs.Hub
	watching chan string
	clock    *testclock.Manual
	dial     time.Duration
}

func (w *watcher) Watch(ctx context.Context, id string) (<-chan jobs.Change, func()) {
	w.clock.Advance(w.dial)
	changes, stop := w.hub.Watch(ctx, id)
	select {
	case w.watching <- id:
	default:
	}
	return changes, stop
}

// setup returns the function over a bbolt store (a real jobs.Store), the
// real Lambda invoker on a fake Lambda, a recording publisher and an
// in-process watcher; new jobs get the fixtures' id.
func setup(t *testing.T) *testAPI {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "jobs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	role, err := parseInvokeRole(invokeRoleARN)
	if err != nil {
		t.Fatal(err)
	}
	clock := testclock.New(now)
	f := &testAPI{logs: make(logLines, 100), metrics: &syncbuf.Buffer{}, clock: clock, store: store, lambda: &lambdaAPI{}, pub: &recorder{},
		watcher: &watcher{hub: jobs.NewHub(), watching: make(chan string, 1), clock: clock}}
	f.api, err = newAPI(apiDeps{
		Store: store, Invoker: lambdainvoker.New(f.lambda, "jobs-processor"), Publisher: f.pub, Watcher: f.watcher,
		Meter:     emf.New(f.metrics, "AsyncJobs-test", clock),
		Namespace: "jobs", Retention: DefaultRetention, InvokeRole: role, Clock: clock, NewID: func() string { return jobID },
		Logger: slog.New(slog.NewTextHandler(f.logs, nil)), CursorKey: []byte("api-lambda's tests' cursor key.."),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.api.notifier.Close(context.Background()) })
	return f
}

// serve runs req through the function as the Lambda runtime does.
func (f *testAPI) serve(t *testing.T, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, jobjson.Job) {
	t.Helper()
	return f.serveIn(t, t.Context(), req)
}

// serveIn runs req through the function in ctx, the invocation's context.
func (f *testAPI) serveIn(t *testing.T, ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, jobjson.Job) {
	t.Helper()
	payload, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	out, err := lambda.NewHandler(f.api.handle).Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("handler failed: %v", err)
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	var j jobjson.Job
	if resp.StatusCode < 300 {
		if err := json.Unmarshal([]byte(resp.Body), &j); err != nil {
			t.Fatalf("body %s: %v", resp.Body, err)
		}
	}
	return resp, j
}

// seed stores the fixtures' job, Pending, as the owner submitted it.
func (f *testAPI) seed(t *testing.T) jobs.Job {
	t.Helper()
	j, err := f.store.Create(t.Context(), jobs.Job{
		ID: jobID, Owner: owner, Type: "sleep", Status: jobs.StatusPending, Parameters: json.RawMessage(`{"seconds":1}`),
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(DefaultRetention), Seq: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return j
}
