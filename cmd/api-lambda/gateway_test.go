package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/handlers/problem"
	"github.com/asyncjobs/asyncjobs/jobs"
)

// Links resolve against the URL the client called: the stage, or a custom
// domain's base path, comes first.
func TestLinksKeepTheBasePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		path        string // of POST /jobs: the event's
		contextPath string // and requestContext.path
		want        string
	}{
		{name: "execute-api host, stage prod", path: "/jobs", contextPath: "/prod/jobs", want: "/prod"},
		// API Gateway leaves a custom domain's base path in the event's path.
		{name: "custom domain, base path v1", path: "/v1/jobs", contextPath: "/v1/jobs", want: "/v1"},
		{name: "custom domain, at its root", path: "/jobs", contextPath: "/jobs", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			req := fixture(t, "apigateway-post-job.json")
			req.Path, req.RequestContext.Path = tt.path, tt.contextPath
			resp, _ := f.serve(t, req)
			if got := http.Header(resp.MultiValueHeaders).Get("Location"); resp.StatusCode != http.StatusAccepted || got != tt.want+"/jobs/"+jobID {
				t.Errorf("status %d, Location %q, want 202 with %q", resp.StatusCode, got, tt.want+"/jobs/"+jobID)
			}
		})
	}
}

func TestProblemInstanceKeepsTheStage(t *testing.T) {
	t.Parallel()
	f := setup(t)
	resp, _ := f.serve(t, fixture(t, "apigateway-get-job.json")) // no such job
	var p problem.Details
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusNotFound || p.Instance != "/prod/jobs/"+jobID {
		t.Errorf("status %d, instance %q, want 404 at /prod/jobs/%s", resp.StatusCode, p.Instance, jobID)
	}
}

// A wait answers within API Gateway's 29 s, counted from the request's
// arrival: a slow dial, a cold start and the invocation's own deadline all
// shorten it, and what follows the wait (answerMargin) still fits.
func TestWaitFitsTheRequestsBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		dial     time.Duration // taken by the watcher's dial, by the function's clock
		late     time.Duration // how long before the function's clock now API Gateway received the request
		deadline time.Duration // the invocation's, in real time; 0: none
	}{
		{name: "the dial takes most of the budget", dial: 24500 * time.Millisecond},
		{name: "a cold start took most of the budget", late: 24500 * time.Millisecond},
		{name: "the invocation ends first", deadline: answerMargin + 500*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.seed(t)
			f.watcher.dial = tt.dial
			req := fixture(t, "apigateway-get-job.json")
			req.RequestContext.RequestTimeEpoch = now.Add(-tt.late).UnixMilli()
			req.QueryStringParameters = map[string]string{"wait": "25"}
			req.MultiValueQueryStringParameters = map[string][]string{"wait": {"25"}}
			arrival := now.Add(-tt.late)
			budget := integrationTimeout - flushTimeout // the flush follows the answer
			ctx := t.Context()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
				budget = tt.deadline - flushTimeout
			}

			start := time.Now()
			resp, body := f.serveIn(t, ctx, req)
			// The function's clock moved by the dial only; real time passed while it waited.
			answered := f.clock.Now().Add(time.Since(start))
			if resp.StatusCode != http.StatusOK || body.Status != jobs.StatusPending {
				t.Fatalf("status %d, body %s, want 200 with the Pending job", resp.StatusCode, resp.Body)
			}
			if tt.deadline == 0 && answered.After(arrival.Add(budget)) {
				t.Errorf("answered %s after arrival, want within %s", answered.Sub(arrival), budget)
			}
			if tt.deadline > 0 && time.Since(start) > budget {
				t.Errorf("answered %s after the invocation began, want within %s", time.Since(start), budget)
			}
		})
	}
}

func TestBasePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		resource, path, stage, want string
	}{
		{resource: "/jobs/{id}", path: "/prod/jobs/abc", stage: "prod", want: "/prod"},
		{resource: "/jobs/{id}", path: "/v1/jobs/abc", stage: "prod", want: "/v1"},
		{resource: "/jobs/{id}", path: "/jobs/abc", stage: "prod", want: ""},
		{resource: "/jobs", path: "/jobs/jobs", stage: "jobs", want: "/jobs"},  // a stage named like the resource
		{resource: "/{proxy+}", path: "/v1/a/b", stage: "prod", want: "/prod"}, // greedy: the stage
		{resource: "/jobs/{id}", path: "/abc", stage: "prod", want: "/prod"},   // too short: the stage
	}
	for _, tt := range tests {
		rc := events.APIGatewayProxyRequestContext{ResourcePath: tt.resource, Path: tt.path, Stage: tt.stage}
		if got := basePath(rc); got != tt.want {
			t.Errorf("basePath(resource %s, path %s) = %q, want %q", tt.resource, tt.path, got, tt.want)
		}
	}
}
