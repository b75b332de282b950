package handlers

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// wantContentType is what c.JSON wrote for a job before jobs were written
// from bytes; clients may depend on it.
const wantContentType = "application/json; charset=utf-8"

func TestGetAnswersTheEncodedJob(t *testing.T) {
	t.Parallel()
	for id, retryAfter := range map[string]string{"pending-1": "1", "done-1": ""} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			f.encoded = []byte(`{"bytes":"as kept"}`)
			h, _ := setup(t, f)
			rec := serve(t, h, http.MethodGet, "/jobs/"+id, "", nil)
			if rec.Code != http.StatusOK || rec.Body.String() != string(f.encoded) {
				t.Fatalf("GET: %d %s, want 200 %s", rec.Code, rec.Body, f.encoded)
			}
			if got := rec.Header().Get("Content-Type"); got != wantContentType {
				t.Errorf("Content-Type = %q, want %q", got, wantContentType)
			}
			if got := rec.Header().Get("Retry-After"); got != retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, retryAfter)
			}
		})
	}
}

// TestJobAnswersAreMarshalsBytes checks every answer that carries a job
// against what json.Marshal writes of it, which the API answered before.
func TestJobAnswersAreMarshalsBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, target, body string
		finish                     bool
		status                     int
		job                        string // in the fake after the request
	}{
		{name: "get", method: http.MethodGet, target: "/jobs/done-1", status: 200, job: "done-1"},
		{name: "get waiting", method: http.MethodGet, target: "/jobs/pending-1?wait=1", finish: true, status: 200, job: "pending-1"},
		{name: "submit", method: http.MethodPost, target: "/jobs", body: `{"seconds":1}`, status: 202, job: "job-1"},
		{name: "cancel", method: http.MethodDelete, target: "/jobs/pending-1", status: 200, job: "pending-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			f.finish = tt.finish
			h, _ := setup(t, f)
			rec := serve(t, h, tt.method, tt.target, tt.body, jsonType)
			f.mu.Lock()
			want, err := json.Marshal(jobjson.From(f.jobs[tt.job]))
			f.mu.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			if rec.Code != tt.status || rec.Body.String() != string(want) {
				t.Fatalf("%s %s: %d %s\nwant %d %s", tt.method, tt.target, rec.Code, rec.Body, tt.status, want)
			}
			if got := rec.Header().Get("Content-Type"); got != wantContentType {
				t.Errorf("Content-Type = %q, want %q", got, wantContentType)
			}
		})
	}
}
