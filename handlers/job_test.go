package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

func TestReadAndCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		method      string
		target      string
		err         error // the service fails with it
		finish      bool  // Wait finishes the job
		status      int
		field, rule string // of a 400
		jobStatus   string
		retryAfter  string
		calls       int
		waited      time.Duration
	}{
		{name: "pending job", method: "GET", target: "/jobs/pending-1", status: 200, jobStatus: "Pending", retryAfter: "1", calls: 1},
		{name: "finished job", method: "GET", target: "/jobs/done-1", status: 200, jobStatus: "Success", calls: 1},
		{name: "wait until finished", method: "GET", target: "/jobs/pending-1?wait=2", finish: true, status: 200,
			jobStatus: "Success", calls: 1, waited: 2 * time.Second},
		{name: "wait in vain", method: "GET", target: "/jobs/pending-1?wait=25", status: 200, jobStatus: "Pending",
			retryAfter: "1", calls: 1, waited: jobs.MaxWait},
		{name: "wait zero reads", method: "GET", target: "/jobs/pending-1?wait=0", finish: true, status: 200,
			jobStatus: "Pending", retryAfter: "1", calls: 1},
		{name: "wait not a number", method: "GET", target: "/jobs/pending-1?wait=abc", status: 400, field: "wait", rule: "type"},
		{name: "wait empty", method: "GET", target: "/jobs/pending-1?wait=", status: 400, field: "wait", rule: "type"},
		{name: "wait too long", method: "GET", target: "/jobs/pending-1?wait=26", status: 400, field: "wait", rule: "max"},
		{name: "wait negative", method: "GET", target: "/jobs/pending-1?wait=-1", status: 400, field: "wait", rule: "min"},
		{name: "unknown id", method: "GET", target: "/jobs/nobody", status: 404, calls: 1},
		{name: "malformed id", method: "GET", target: "/jobs/bad_id", status: 404},
		{name: "id ending in a dash", method: "GET", target: "/jobs/job-", status: 404},
		{name: "id too long", method: "GET", target: "/jobs/" + strings.Repeat("a", 51), status: 404},
		{name: "overloaded", method: "GET", target: "/jobs/pending-1", err: jobs.ErrOverloaded, status: 503, retryAfter: "1", calls: 1},
		{name: "cancel pending", method: "DELETE", target: "/jobs/pending-1", status: 200, jobStatus: "Cancelled", calls: 1},
		{name: "cancel finished", method: "DELETE", target: "/jobs/done-1", status: 409, calls: 1},
		{name: "cancel unknown", method: "DELETE", target: "/jobs/nobody", status: 404, calls: 1},
		{name: "cancel malformed id", method: "DELETE", target: "/jobs/a.b", status: 404},
		{name: "cancel while shutting down", method: "DELETE", target: "/jobs/pending-1", err: jobs.ErrUnavailable,
			status: 503, retryAfter: "1", calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			f.err, f.finish = tt.err, tt.finish
			h, _ := setup(t, f)
			rec := serve(t, h, tt.method, tt.target, "", nil)
			if tt.status >= 400 {
				assertProblem(t, rec, tt.status, tt.field, tt.rule)
			} else if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if tt.jobStatus != "" {
				if got := decodeJob(t, rec)["status"]; got != tt.jobStatus {
					t.Errorf("job status = %v, want %s", got, tt.jobStatus)
				}
			}
			if got := rec.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			calls, waits := f.counts()
			if calls != tt.calls {
				t.Errorf("service calls = %d, want %d", calls, tt.calls)
			}
			if tt.waited > 0 && (len(waits) != 1 || waits[0] != tt.waited) {
				t.Errorf("Wait got %v, want %v", waits, tt.waited)
			}
			if tt.waited == 0 && len(waits) > 0 {
				t.Errorf("Wait called with %v, want Get", waits)
			}
		})
	}
}

func TestReadAndCancelReal(t *testing.T) {
	t.Parallel()
	h, store := setupReal(t, nil)
	if _, err := store.Create(context.Background(), jobs.Job{ID: "done-1", Type: "sleep", Status: jobs.StatusSuccess,
		Parameters: json.RawMessage(`{"seconds":1}`), Results: json.RawMessage(`{"message":"I slept for 1 seconds"}`),
		CreatedAt: epoch, UpdatedAt: epoch, FinishedAt: epoch, ExpiresAt: epoch.Add(time.Hour), Seq: 3}); err != nil {
		t.Fatal(err)
	}
	id := decodeJob(t, serve(t, h, http.MethodPost, "/jobs", `{"seconds":1}`, jsonType))["id"].(string)

	got := serve(t, h, http.MethodGet, "/jobs/done-1", "", nil)
	if job := decodeJob(t, got); got.Code != 200 || job["status"] != "Success" || job["results"] == nil {
		t.Errorf("GET finished: %d %s", got.Code, got.Body)
	}
	assertProblem(t, serve(t, h, http.MethodGet, "/jobs/nobody", "", nil), 404, "", "")
	assertProblem(t, serve(t, h, http.MethodDelete, "/jobs/done-1", "", nil), 409, "", "")

	cancelled := serve(t, h, http.MethodDelete, "/jobs/"+id, "", nil)
	if job := decodeJob(t, cancelled); cancelled.Code != 200 || job["status"] != "Cancelled" || job["finishedAt"] == nil || job["seq"] != 2.0 {
		t.Errorf("DELETE pending: %d %s; want 200, Cancelled, finishedAt, seq 2", cancelled.Code, cancelled.Body)
	}
	assertProblem(t, serve(t, h, http.MethodDelete, "/jobs/"+id, "", nil), 409, "", "")
}
