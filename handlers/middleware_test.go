package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, target string
		status         int
		allow          string
	}{
		{http.MethodPut, "/jobs", 405, "POST, GET"},
		{http.MethodDelete, "/jobs", 405, "POST, GET"},
		{http.MethodPost, "/jobs/pending-1", 405, "GET, DELETE"},
		{http.MethodGet, "/nothing-here", 404, ""},
		{http.MethodPost, "/jobs/", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			h, _ := setup(t, f)
			rec := serve(t, h, tt.method, tt.target, `{"seconds":1}`, jsonType)
			p := assertProblem(t, rec, tt.status, "", "")
			if p.Instance != tt.target {
				t.Errorf("instance = %q, want %q", p.Instance, tt.target)
			}
			if got := rec.Header().Get("Allow"); !sameMethods(got, tt.allow) {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if calls, _ := f.counts(); calls != 0 {
				t.Errorf("the service was called %d times", calls)
			}
		})
	}
}

// sameMethods compares two Allow values as sets.
func sameMethods(a, b string) bool {
	split := func(s string) map[string]bool {
		set := map[string]bool{}
		for m := range strings.SplitSeq(s, ",") {
			if m = strings.TrimSpace(m); m != "" {
				set[m] = true
			}
		}
		return set
	}
	sa, sb := split(a), split(b)
	if len(sa) != len(sb) {
		return false
	}
	for m := range sa {
		if !sb[m] {
			return false
		}
	}
	return true
}

func TestServerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		broken func(*fakeService)
		secret string // in the log, never in the response
	}{
		{"unknown error", func(f *fakeService) { f.err = errors.New("store password is hunter2") }, "hunter2"},
		{"panic", func(f *fakeService) { f.panics = true }, "fake service exploded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			tt.broken(f)
			h, logs := setup(t, f)
			rec := serve(t, h, http.MethodGet, "/jobs/pending-1", "", nil)
			assertProblem(t, rec, http.StatusInternalServerError, "", "")
			if strings.Contains(rec.Body.String(), tt.secret) {
				t.Errorf("the response leaks the error: %s", rec.Body)
			}
			entry := logEntry(t, logs, "request failed")
			if entry["level"] != "ERROR" || !strings.Contains(entry["err"].(string), tt.secret) || entry["status"] != 500.0 {
				t.Errorf("log entry = %v, want ERROR with the error and status 500", entry)
			}
		})
	}
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	tests := []struct{ remoteAddr, ip string }{
		{"192.0.2.1:1234", "192.0.2.1"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"203.0.113.9", "203.0.113.9"}, // as the Lambda proxy sets it
	}
	for _, tt := range tests {
		t.Run(tt.remoteAddr, func(t *testing.T) {
			t.Parallel()
			h, logs := setup(t, newFake())
			req := httptest.NewRequest(http.MethodGet, "/jobs/nobody?wait=1", nil)
			req.RemoteAddr = tt.remoteAddr
			req.Header.Set("X-Forwarded-For", "198.51.100.7")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assertProblem(t, rec, http.StatusNotFound, "", "")
			entry := logEntry(t, logs, "request")
			want := map[string]any{"level": "INFO", "method": "GET", "route": "/jobs/:id", "path": "/jobs/nobody",
				"status": 404.0, "bytes": float64(rec.Body.Len()), "ip": tt.ip}
			for k, v := range want {
				if entry[k] != v {
					t.Errorf("%s = %v, want %v", k, entry[k], v)
				}
			}
			if _, ok := entry["latency"].(float64); !ok {
				t.Errorf("latency = %v, want a number", entry["latency"])
			}
			if p, ok := entry["principal"]; ok {
				t.Errorf("principal = %v, want none for the anonymous caller", p)
			}
			if strings.Contains(logs.String(), "request failed") {
				t.Error("a client error was logged as a failure")
			}
		})
	}
}

func TestRequestLogRouteAndPrincipal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, target, principal string
		status                          int
		route                           string
	}{
		{"a job route", http.MethodGet, "/jobs/nobody", "alice", 404, "/jobs/:id"},
		{"the list", http.MethodGet, "/jobs", "bob", 200, "/jobs"},
		{"no route", http.MethodGet, "/jobs/a/b", "alice", 404, RouteUnmatched},
		{"no method", http.MethodPut, "/jobs", "alice", 405, RouteUnmatched},
		{"an open route", http.MethodGet, "/healthz", "alice", 200, "/healthz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			h := New(Config{Service: newFake(), Authenticator: headerPrincipal, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			rec := serve(t, h, tt.method, tt.target, "", map[string]string{principalHeader: tt.principal})
			if rec.Code != tt.status {
				t.Fatalf("%s %s = %d, want %d", tt.method, tt.target, rec.Code, tt.status)
			}
			entry := logEntry(t, &logs, "request")
			if entry["route"] != tt.route || entry["status"] != float64(tt.status) {
				t.Errorf("route, status = %v, %v; want %s, %d", entry["route"], entry["status"], tt.route, tt.status)
			}
			// Only the /jobs routes authenticate: a caller is named where
			// one was found, and nowhere else.
			authenticated := tt.route == "/jobs" || tt.route == "/jobs/:id"
			if p, ok := entry["principal"]; authenticated && p != tt.principal || !authenticated && ok {
				t.Errorf("principal = %v (present %t), want %q only on an authenticated route", p, ok, tt.principal)
			}
		})
	}
}

// logEntry returns the JSON log entry with the message msg.
func logEntry(t *testing.T, logs *bytes.Buffer, msg string) map[string]any {
	t.Helper()
	for line := range strings.Lines(logs.String()) {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if entry["msg"] == msg {
			return entry
		}
	}
	t.Fatalf("no log entry %q in:\n%s", msg, logs)
	return nil
}

func TestServiceRoutes(t *testing.T) {
	t.Parallel()
	h, _ := setup(t, newFake())
	health := serve(t, h, http.MethodGet, "/healthz", "", nil)
	if health.Code != 200 || strings.TrimSpace(health.Body.String()) != `{"status":"ok"}` {
		t.Errorf("GET /healthz = %d %s", health.Code, health.Body)
	}
	doc := serve(t, h, http.MethodGet, "/openapi.json", "", nil)
	if doc.Code != 200 || doc.Header().Get("Content-Type") != "application/json" || !bytes.Equal(doc.Body.Bytes(), openAPI) {
		t.Errorf("GET /openapi.json = %d %q, want 200 and the embedded document", doc.Code, doc.Header().Get("Content-Type"))
	}
}
