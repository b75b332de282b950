package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/handlers/problem"
)

// as is the fixture event sent by the caller of testdata/identity/<name>.json:
// requestContext.identity as API Gateway's AWS_IAM auth fills it.
func as(t *testing.T, event, name string) events.APIGatewayProxyRequest {
	t.Helper()
	req := fixture(t, event)
	data, err := os.ReadFile(filepath.Join("testdata", "identity", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	req.RequestContext.Identity = events.APIGatewayRequestIdentity{}
	if err := json.Unmarshal(data, &req.RequestContext.Identity); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestOwnerIsNotChosenByTheCaller submits a job as one caller and reads it
// as others: the same owner gets 200, any other 404.
func TestOwnerIsNotChosenByTheCaller(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		submitter string
		owner     string
		sameOwner []string // read the job
		others    []string // get 404
	}{
		"IAM user": {
			submitter: "iam-user-alice", owner: "arn:aws:iam::123456789012:user/alice",
			// Alice's session of the invoke role is another owner than her user.
			others: []string{"invoke-role-alice", "ci-role-alice", "root"},
		},
		"session of the invoke role": {
			submitter: "invoke-role-alice",
			owner:     "arn:aws:sts::123456789012:assumed-role/AsyncJobs-JobsAPIInvokeRole1A2B3C4D-EXAMPLE/alice",
			others:    []string{"invoke-role-bob", "iam-user-alice"},
		},
		"session of another role, named by the caller": {
			submitter: "ci-role-alice", owner: "arn:aws:sts::123456789012:assumed-role/ci-deployer",
			sameOwner: []string{"ci-role-bob"},
			others:    []string{"invoke-role-alice", "iam-user-alice"},
		},
		"Cognito identity pool identity": {
			submitter: "cognito-a",
			owner:     "cognito-identity:us-east-1:e4d1a0a2-5b3c-4f7e-9a61-0c2d3e4f5a6b/us-east-1:7f3c9b2e-1a4d-4c8f-b6e5-2d9a0c1b3e4f",
			// The pool's callers all share one role session ARN.
			others: []string{"cognito-b"},
		},
		"account root": {
			submitter: "root", owner: "arn:aws:iam::123456789012:root",
			others: []string{"iam-user-alice"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			if resp, _ := f.serve(t, as(t, "apigateway-post-job.json", tt.submitter)); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("submit: status %d, body %s", resp.StatusCode, resp.Body)
			}
			stored, err := f.store.Get(t.Context(), jobID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Owner != tt.owner {
				t.Errorf("owner %q, want %q", stored.Owner, tt.owner)
			}
			for _, reader := range append([]string{tt.submitter}, tt.sameOwner...) {
				if resp, body := f.serve(t, as(t, "apigateway-get-job.json", reader)); resp.StatusCode != http.StatusOK || body.ID != jobID {
					t.Errorf("%s reads the job: status %d, want 200; body %s", reader, resp.StatusCode, resp.Body)
				}
			}
			for _, reader := range tt.others {
				if resp, _ := f.serve(t, as(t, "apigateway-get-job.json", reader)); resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s reads the job: status %d, want 404; body %s", reader, resp.StatusCode, resp.Body)
				}
			}
		})
	}
}

func TestCallersWhoCannotOwnJobsAreRefused(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		identity string
		detail   string
	}{
		"federated user": {"federated-user", "the caller arn:aws:sts::123456789012:federated-user/carol cannot own jobs"},
		"no identity":    {"none", "the request carries no caller identity"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			resp, _ := f.serve(t, as(t, "apigateway-post-job.json", tt.identity))
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403; body %s", resp.StatusCode, resp.Body)
			}
			var p problem.Details
			if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("body %s (%v), want a problem saying %q", resp.Body, err, tt.detail)
			}
			if _, err := f.store.Get(t.Context(), jobID); err == nil {
				t.Error("the refused caller's job was stored")
			}
			if logs := f.logs.String(); !strings.Contains(logs, "caller refused") || !strings.Contains(logs, tt.detail) {
				t.Errorf("the refusal was not logged with its reason:\n%s", logs)
			}
		})
	}
}

func TestParseInvokeRole(t *testing.T) {
	t.Parallel()
	role, err := parseInvokeRole("arn:aws-us-gov:iam::123456789012:role/service/jobs/AsyncJobs-Invoke")
	if err != nil || role != (invokeRole{account: "123456789012", name: "AsyncJobs-Invoke"}) {
		t.Errorf("got %+v, %v; want the role's account and name without its path", role, err)
	}
	for _, bad := range []string{"", "AsyncJobs-Invoke", "arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/r/s"} {
		if _, err := parseInvokeRole(bad); err == nil {
			t.Errorf("%q accepted as a role ARN", bad)
		}
	}
}
