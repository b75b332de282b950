package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

func TestSubmitFromAPIGateway(t *testing.T) {
	t.Parallel()
	f := setup(t)
	resp, body := f.serve(t, fixture(t, "apigateway-post-job.json"))

	h := http.Header(resp.MultiValueHeaders)
	if resp.StatusCode != http.StatusAccepted || h.Get("Location") != "/prod/jobs/"+jobID || h.Get("Retry-After") == "" {
		t.Fatalf("status %d, headers %v, want 202 with Location and Retry-After; body %s", resp.StatusCode, h, resp.Body)
	}
	if body.ID != jobID || body.Status != jobs.StatusPending || string(body.Parameters) != `{"seconds":1}` {
		t.Errorf("body %s", resp.Body)
	}
	stored, err := f.store.Get(t.Context(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Owner != owner || stored.Status != jobs.StatusPending || !stored.ExpiresAt.Equal(now.Add(DefaultRetention)) {
		t.Errorf("stored %+v, want the caller's Pending job kept for the retention", stored)
	}
	if len(f.lambda.payloads) != 1 || f.lambda.payloads[0] != `{"jobId":"`+jobID+`"}` {
		t.Errorf("processor invocations %v", f.lambda.payloads)
	}
	// Published before the handler returned: Lambda freezes the process after.
	chans, events := f.pub.published()
	if len(events) != 1 || chans[0] != "/jobs/"+jobID || events[0].Status != jobs.StatusPending || events[0].Seq != 1 {
		t.Errorf("published %v %+v, want the Pending job on /jobs/%s", chans, events, jobID)
	}
}

func TestSubmitWhenLambdaThrottles(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.lambda.err = &types.TooManyRequestsException{Message: new("Rate Exceeded.")}
	resp, _ := f.serve(t, fixture(t, "apigateway-post-job.json"))

	h := http.Header(resp.MultiValueHeaders)
	if resp.StatusCode != http.StatusServiceUnavailable || h.Get("Retry-After") == "" ||
		!strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("status %d, headers %v, want a 503 problem with Retry-After; body %s", resp.StatusCode, h, resp.Body)
	}
	if _, err := f.store.Get(t.Context(), jobID); err == nil {
		t.Error("the job that could not be dispatched was kept")
	}
	// Pending is announced before the dispatch, so that it precedes the
	// processor's Running; nothing follows it for a job no one was told of.
	if _, events := f.pub.published(); len(events) > 1 || len(events) == 1 && events[0].Status != jobs.StatusPending {
		t.Errorf("published %+v, want at most the Pending", events)
	}
}

func TestGetFromAPIGateway(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.seed(t)
	resp, body := f.serve(t, fixture(t, "apigateway-get-job.json"))
	if resp.StatusCode != http.StatusOK || body.ID != jobID || body.Status != jobs.StatusPending || body.Seq != 1 {
		t.Fatalf("status %d, body %s, want 200 with the Pending job", resp.StatusCode, resp.Body)
	}

	other := fixture(t, "apigateway-get-job.json")
	other.RequestContext.Identity.UserArn = "arn:aws:iam::123456789012:user/someone-else"
	if resp, _ := f.serve(t, other); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another caller got %d, want 404; body %s", resp.StatusCode, resp.Body)
	}
}

func TestGetWaitsThroughTheWatcher(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.seed(t)
	req := fixture(t, "apigateway-get-job.json")
	req.QueryStringParameters = map[string]string{"wait": "20"}
	req.MultiValueQueryStringParameters = map[string][]string{"wait": {"20"}}
	go func() {
		// The processor finishes the job once the request is watching it.
		if id := <-f.watcher.watching; id != jobID {
			t.Errorf("watched %s", id)
		}
		j, err := f.store.Update(t.Context(), jobID, func(j *jobs.Job) error {
			j.Status, j.FinishedAt = jobs.StatusSuccess, now
			return nil
		})
		if err == nil {
			f.watcher.hub.Notify(j)
		}
	}()
	start := time.Now()
	resp, body := f.serve(t, req)
	if resp.StatusCode != http.StatusOK || body.Status != jobs.StatusSuccess {
		t.Fatalf("status %d, body %s, want 200 with the finished job", resp.StatusCode, resp.Body)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("answered after %s: the watcher did not wake the request", elapsed)
	}
}

func TestListFromAPIGateway(t *testing.T) {
	t.Parallel()
	f := setup(t)
	newer := f.seed(t)
	newer.ID, newer.CreatedAt = "0192f0a4-6b1e-7c3d-9a2b-5e4f3a2b1c0e", now.Add(time.Second)
	if _, err := f.store.Create(t.Context(), newer); err != nil {
		t.Fatal(err)
	}
	req := fixture(t, "apigateway-get-job.json")
	req.Resource, req.Path, req.PathParameters = "/jobs", "/jobs", nil
	req.RequestContext.Path, req.RequestContext.ResourcePath = "/prod/jobs", "/jobs"
	req.QueryStringParameters = map[string]string{"limit": "1"}
	req.MultiValueQueryStringParameters = map[string][]string{"limit": {"1"}}
	resp, err := f.api.handle(t.Context(), req)
	var page struct {
		Jobs []jobjson.Job `json:"jobs"`
		Next string        `json:"next"`
	}
	if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(resp.Body), &page) != nil ||
		len(page.Jobs) != 1 || page.Jobs[0].ID != newer.ID || page.Next == "" {
		t.Fatalf("status %d, body %s, %v; want 200 with the newer job and a next cursor", resp.StatusCode, resp.Body, err)
	}
	if link := resp.MultiValueHeaders["Link"]; len(link) != 1 || !strings.HasPrefix(link[0], "</prod/jobs?cursor=") {
		t.Errorf("Link %v, want </prod/jobs?cursor=…>", link)
	}
	other := req
	other.RequestContext.Identity.UserArn = "arn:aws:iam::123456789012:user/someone-else"
	if resp, _ := f.api.handle(t.Context(), other); resp.StatusCode != http.StatusOK || strings.Contains(resp.Body, jobID) {
		t.Errorf("another caller got %d %s, want 200 without the jobs", resp.StatusCode, resp.Body)
	}
}
