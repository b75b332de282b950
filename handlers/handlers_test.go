package handlers

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/handlers/problem"
)

// jsonType is the request header of a JSON body.
var jsonType = map[string]string{"Content-Type": "application/json"}

// setup returns the API over f and what it logs.
func setup(t *testing.T, f *fakeService) (http.Handler, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	return New(Config{Service: f, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}), &logs
}

// serve sends one request to h.
func serve(t *testing.T, h http.Handler, method, target, body string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for name, value := range header {
		req.Header.Set(name, value)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// with returns header with one more field.
func with(header map[string]string, name, value string) map[string]string {
	out := map[string]string{name: value}
	for n, v := range header {
		out[n] = v
	}
	return out
}

// assertProblem checks that rec is a problem+json of status and, when rule is
// set, that it lists a broken rule of field.
func assertProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, field, rule string) problem.Details {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p problem.Details
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem: %v; body %s", err, rec.Body)
	}
	if p.Type != "about:blank" || p.Title != http.StatusText(status) || p.Status != status || p.Detail == "" ||
		!strings.HasPrefix(p.Instance, "/") {
		t.Errorf("problem = %+v, want type, title, status %d, detail and instance", p, status)
	}
	if rule == "" {
		return p
	}
	for _, fe := range p.Errors {
		if fe.Field == field && fe.Rule == rule && fe.Message != "" {
			return p
		}
	}
	t.Errorf("problem errors = %+v, want field %q rule %q", p.Errors, field, rule)
	return p
}

// decodeJob reads a job response as a JSON object.
func decodeJob(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var job map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &job); err != nil {
		t.Fatalf("job: %v; body %s", err, rec.Body)
	}
	return job
}
