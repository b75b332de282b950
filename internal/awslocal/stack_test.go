package awslocal

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/sigv4test"
	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
	"github.com/asyncjobs/asyncjobs/metrics/emf/emftest"
)

var caller = sigv4.Credential{AccessKeyID: "AKIAAWSLOCALTEST", SecretAccessKey: "awslocaltestsecret", Principal: "arn:aws:iam::000000000000:user/alice"}

const moduleDir = "../.."

// setup starts the stack synthesized in infra/cdk.out; the API accepts the
// caller and others.
func setup(t *testing.T, others ...sigv4.Credential) (*Stack, *syncbuf.Buffer) {
	t.Helper()
	return setupWith(t, nil, others...)
}

// setupWith is setup with edit, if not nil, adjusting the stack's Config.
func setupWith(t *testing.T, edit func(*Config), others ...sigv4.Credential) (*Stack, *syncbuf.Buffer) {
	t.Helper()
	cdkOut := needStack(t)
	log := &syncbuf.Buffer{}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cfg := Config{
		ModuleDir: moduleDir, CDKOut: cdkOut, DataDir: t.TempDir(),
		Addr: "127.0.0.1:0", EventsAddr: "127.0.0.1:0", EventBridgeAddr: "127.0.0.1:0",
		Credentials: append([]sigv4.Credential{caller}, others...), Region: "us-east-1", Account: "000000000000",
		Concurrency: 2, RetryDelay: 10 * time.Millisecond,
		FunctionLog: log, Logger: slog.New(slog.NewTextHandler(log, nil)),
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start the stack: %v\n%s", err, log)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
		if t.Failed() {
			t.Logf("the stack's output:\n%s", log)
		}
	})
	return s, log
}

// needStack skips the test where the stack cannot run, fails it where the
// stack was not synthesized, and returns the cloud assembly's directory.
func needStack(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and starts the whole stack")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("Node is not installed: dynalite, the stack's DynamoDB, cannot run")
	}
	cdkOut := filepath.Join(moduleDir, "infra", "cdk.out")
	if _, err := os.Stat(filepath.Join(cdkOut, "manifest.json")); err != nil {
		t.Fatalf("no synthesized stack in %s: run `make synth` (make test runs it first)", cdkOut)
	}
	return cdkOut
}

// call sends a request signed with the caller's keys, with headers
// (name, value, …).
func call(t *testing.T, method, url, body string, headers ...string) (*http.Response, map[string]any) {
	t.Helper()
	return callAs(t, caller, method, url, body, headers...)
}

// callAs sends a request signed with cred's keys.
func callAs(t *testing.T, cred sigv4.Credential, method, url, body string, headers ...string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, raw := sigv4test.Do(t, req, []byte(body), cred, "us-east-1")
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, url, resp.StatusCode, raw)
	}
	return resp, doc
}

// submit posts body and returns the job's URL under the stage.
func submit(t *testing.T, s *Stack, body string) string {
	t.Helper()
	resp, job := call(t, "POST", s.APIURL()+"jobs", body)
	if resp.StatusCode != http.StatusAccepted || job["status"] != "Pending" {
		t.Fatalf("POST %s: %d %v, want 202 Pending", body, resp.StatusCode, job)
	}
	id, _ := job["id"].(string)
	if loc := resp.Header.Get("Location"); id == "" || !strings.HasSuffix(loc, "/jobs/"+id) {
		t.Fatalf("Location %q for job %q", loc, id)
	}
	return s.APIURL() + "jobs/" + id
}

// await polls url until the job is terminal.
func await(t *testing.T, url string) map[string]any {
	t.Helper()
	return awaitStatus(t, url, "Success", "Failure", "Cancelled")
}

// awaitStatus polls url until the job's status is one of statuses.
func awaitStatus(t *testing.T, url string, statuses ...string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, job := call(t, "GET", url, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", url, resp.StatusCode, job)
		}
		if status, _ := job["status"].(string); slices.Contains(statuses, status) {
			return job
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %v after 60 s, want one of %v: %v", job["status"], statuses, job)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestSeedAndFailureFlows(t *testing.T) {
	s, log := setup(t)
	// Unrouted paths get API Gateway's own answer.
	if resp, doc := call(t, "GET", s.APIURL()+"nothing", ""); resp.StatusCode != http.StatusForbidden || !strings.Contains(doc["detail"].(string), "no resource has this method and path") {
		t.Errorf("GET /prod/nothing: %d %v, want the template's MISSING_AUTHENTICATION_TOKEN problem", resp.StatusCode, doc)
	}

	// A bad body reaches the function, which names the field and the rule, as jobsd does.
	resp, doc := call(t, "POST", s.APIURL()+"jobs", `{"seconds":0}`)
	problems, _ := doc["errors"].([]any)
	if resp.StatusCode != http.StatusBadRequest || len(problems) != 1 {
		t.Errorf("POST {\"seconds\":0}: %d %v, want the function's 400 with one error", resp.StatusCode, doc)
	} else if e, _ := problems[0].(map[string]any); e["field"] != "seconds" || e["rule"] != "min" {
		t.Errorf("POST {\"seconds\":0}: error %v, want field seconds, rule min", e)
	}

	job := await(t, submit(t, s, `{"seconds":1}`))
	results, _ := job["results"].(map[string]any)
	if job["status"] != "Success" || results["message"] != "I slept for 1 seconds" {
		t.Errorf("the seed job: %v, want Success with \"I slept for 1 seconds\"", job)
	}

	job = await(t, submit(t, s, `{"seconds":301}`))
	jobErr, _ := job["error"].(map[string]any)
	if job["status"] != "Failure" || jobErr["type"] != "SecondsAboveLimit" || jobErr["condition"] != "RetriesExhausted" ||
		jobErr["message"] != "cannot sleep for 301 seconds: the processing limit is 300 seconds" {
		t.Errorf("the failing job: %v, want Failure SecondsAboveLimit, RetriesExhausted", job)
	}

	// A job cancelled while it runs stays Cancelled, whatever its processor does after.
	url := submit(t, s, `{"seconds":2}`)
	if job := awaitStatus(t, url, "Running", "Success"); job["status"] != "Running" {
		t.Fatalf("the job to cancel finished before it was seen Running: %v", job)
	}
	if resp, job := call(t, "DELETE", url, ""); resp.StatusCode != http.StatusOK || job["status"] != "Cancelled" {
		t.Errorf("DELETE: %d %v, want 200 Cancelled", resp.StatusCode, job)
	}
	time.Sleep(3 * time.Second) // the processor's attempt, had it not seen the cancellation, ends by now
	if _, job := call(t, "GET", url, ""); job["status"] != "Cancelled" {
		t.Errorf("after the job's run time: %v, want it still Cancelled", job)
	}

	// The same Idempotency-Key and body give the same job.
	first, _ := call(t, "POST", s.APIURL()+"jobs", `{"seconds":1}`, "Idempotency-Key", "order-42")
	again, job := call(t, "POST", s.APIURL()+"jobs", `{"seconds":1}`, "Idempotency-Key", "order-42")
	if first.StatusCode != http.StatusAccepted || again.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Location") != again.Header.Get("Location") {
		t.Errorf("the same Idempotency-Key twice: %d then %d %v (Idempotent-Replayed %q), want one job", first.StatusCode, again.StatusCode, job, again.Header.Get("Idempotent-Replayed"))
	}

	for id, f := range s.Functions {
		info, err := os.Stat(s.Bootstraps[id])
		if err != nil {
			t.Fatal(err)
		}
		starts := f.ColdStarts()
		if len(starts) == 0 {
			t.Errorf("%s: no cold start recorded", id)
			continue
		}
		t.Logf("%s: bootstrap %.1f MB, init %v (emulator's REPORT Init Duration %v), %d cold starts",
			f.Name(), float64(info.Size())/1e6, starts[0].Init, starts[0].Reported, len(starts))
	}
	checkMetricLines(t, log.String())
}

// checkMetricLines reads the EMF lines the functions wrote on stdout, as
// CloudWatch would, and checks that the flows above were counted where they
// happened: four submissions (the replay is not one) by the API, a success
// by the processor, the failure by the error handler.
func checkMetricLines(t *testing.T, functionLog string) {
	t.Helper()
	byFunction := map[string][]string{}
	for line := range strings.SplitSeq(functionLog, "\n") {
		name, body, ok := strings.Cut(line, " | ")
		if !ok || !strings.HasPrefix(body, `{"_aws"`) {
			continue
		}
		got, err := emftest.Strings([]byte(body))
		if err != nil {
			t.Errorf("%s wrote a line CloudWatch would not take: %v", name, err)
		}
		byFunction[name] = append(byFunction[name], got...)
	}
	writers := func(want func(string) bool) (names []string, count int) {
		for name, lines := range byFunction {
			if n := len(slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return !want(l) })); n > 0 {
				names, count = append(names, name), count+n
			}
		}
		return names, count
	}
	submitted, n := writers(func(l string) bool { return l == "JobsSubmitted=1 {Type=sleep} / [[Type]]" })
	if len(submitted) != 1 || n != 4 {
		t.Errorf("JobsSubmitted: %d lines by %v, want 4 by the API function", n, submitted)
	}
	succeeded, _ := writers(func(l string) bool {
		return strings.HasPrefix(l, "JobsFinished=1 ") && strings.Contains(l, "Status=Success,Type=sleep}")
	})
	recorded, _ := writers(func(l string) bool { return l == "FailureRecords=1 FailureRecordsUnhandled=0 {} / [[]]" })
	if len(succeeded) != 1 || len(recorded) != 1 || slices.Equal(succeeded, submitted) || slices.Equal(recorded, succeeded) {
		t.Errorf("a success written by %v, the failure record by %v; want the processor and the error handler (the API: %v)",
			succeeded, recorded, submitted)
	}
}
