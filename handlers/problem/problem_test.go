package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/jobs"
)

func TestFor(t *testing.T) {
	t.Parallel()
	invalid := &jobs.ValidationError{
		Detail: "the request is not valid",
		Fields: []jobs.FieldError{{Field: "seconds", Rule: "min", Param: "1", Message: "seconds must be at least 1"}},
	}
	tests := []struct {
		name       string
		err        error
		status     int
		detail     string // a part of the detail
		fields     int
		retryAfter int
	}{
		{"validation", invalid, 400, "not valid", 1, 0},
		{"wrapped validation", fmt.Errorf("submit: %w", invalid), 400, "not valid", 1, 0},
		{"not found", jobs.ErrNotFound, 404, "does not exist", 0, 0},
		{"wrapped not found", fmt.Errorf("get job x: %w", jobs.ErrNotFound), 404, "does not exist", 0, 0},
		{"terminal", fmt.Errorf("cancel job x: %w", jobs.ErrTerminal), 409, "already finished", 0, 0},
		{"conflict", jobs.ErrConflict, 409, "at the same time", 0, 0},
		{"idempotency mismatch", jobs.ErrIdempotencyMismatch, 422, "Idempotency-Key", 0, 0},
		{"overloaded", fmt.Errorf("dispatch job x: %w", jobs.ErrOverloaded), 503, "try again", 0, 1},
		{"unavailable", jobs.ErrUnavailable, 503, "unavailable", 0, 1},
		{"body too large", ErrBodyTooLarge, 413, "too large", 0, 0},
		{"body over a known limit", fmt.Errorf("%w: %w", ErrBodyTooLarge, &http.MaxBytesError{Limit: 65536}), 413, "65536 bytes", 0, 0},
		{"bare max bytes error", &http.MaxBytesError{Limit: 10}, 413, "limit of 10 bytes", 0, 0},
		{"media type", fmt.Errorf("content type text/plain: %w", ErrUnsupportedMediaType), 415, "application/json", 0, 0},
		{"route", ErrRouteNotFound, 404, "path", 0, 0},
		{"method", ErrMethodNotAllowed, 405, "method", 0, 0},
		{"unknown", errors.New("dynamo: secret table name exploded"), 500, "could not handle", 0, 0},
		{"duplicate is internal here", jobs.ErrDuplicate, 500, "could not handle", 0, 0},
		{"nil", nil, 500, "could not handle", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := For(tt.err)
			if p.Status != tt.status {
				t.Errorf("status = %d, want %d", p.Status, tt.status)
			}
			if p.Type != "about:blank" || p.Title != http.StatusText(tt.status) {
				t.Errorf("type, title = %q, %q; want about:blank, %q", p.Type, p.Title, http.StatusText(tt.status))
			}
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail = %q, want it to contain %q", p.Detail, tt.detail)
			}
			if tt.err != nil && tt.status == 500 && strings.Contains(p.Detail, tt.err.Error()) {
				t.Errorf("detail %q leaks the error", p.Detail)
			}
			if len(p.Errors) != tt.fields {
				t.Errorf("errors = %v, want %d", p.Errors, tt.fields)
			}
			seconds, ok := RetryAfter(tt.err)
			if ok != (tt.retryAfter > 0) || seconds != tt.retryAfter {
				t.Errorf("RetryAfter = %d, %t; want %d", seconds, ok, tt.retryAfter)
			}
		})
	}
}

func TestDetailsJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		problem Details
		want    string
	}{
		{
			name:    "optional members omitted",
			problem: For(jobs.ErrNotFound),
			want:    `{"type":"about:blank","title":"Not Found","status":404,"detail":"the job does not exist or has expired"}`,
		},
		{
			name: "instance and field errors",
			problem: Details{Type: "about:blank", Title: "Bad Request", Status: 400, Detail: "d", Instance: "/jobs",
				Errors: []jobs.FieldError{{Field: "seconds", Rule: "required", Message: "seconds is required"}}},
			want: `{"type":"about:blank","title":"Bad Request","status":400,"detail":"d","instance":"/jobs",` +
				`"errors":[{"field":"seconds","rule":"required","message":"seconds is required"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(tt.problem)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
