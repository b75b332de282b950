// Package problem turns errors into the RFC 9457 problem details the HTTP API
// answers with: the one table from errors to HTTP statuses, the HTTP-level
// errors the handlers raise, and the problem's JSON shape, which clients
// decode too.
package problem

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/jobs"
)

// HTTP-level errors for the handlers; For knows their statuses.
var (
	ErrBodyTooLarge         = errors.New("request body too large")
	ErrUnsupportedMediaType = errors.New("unsupported media type")
	ErrRouteNotFound        = errors.New("no route for the path")
	ErrMethodNotAllowed     = errors.New("method not allowed on the path")
	// ErrBodyUnreadable is a request body cut short: the client closed the
	// connection, or did not send the body within the server's deadline.
	ErrBodyUnreadable = errors.New("request body could not be read")
)

// Details is an RFC 9457 problem details object.
type Details struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail"`
	Instance string            `json:"instance,omitempty"`
	Errors   []jobs.FieldError `json:"errors,omitempty"`
}

// statusRule is one row of the table: errors that are target get status and
// detail; retryAfter, when positive, is the Retry-After in seconds.
type statusRule struct {
	target     error
	status     int
	detail     string
	retryAfter int
}

// statusRules is the one table from errors to HTTP statuses, walked in order
// with errors.Is. *jobs.ValidationError (400) and *http.MaxBytesError (413,
// naming the limit) are matched before it with errors.As.
var statusRules = []statusRule{
	{target: jobs.ErrNotFound, status: http.StatusNotFound, detail: "the job does not exist or has expired"},
	{target: jobs.ErrTerminal, status: http.StatusConflict, detail: "the job already finished"},
	{target: jobs.ErrConflict, status: http.StatusConflict, detail: "the job changed at the same time; try again"},
	{target: jobs.ErrIdempotencyMismatch, status: http.StatusUnprocessableEntity,
		detail: "the Idempotency-Key was already used with a different request"},
	{target: jobs.ErrOverloaded, status: http.StatusServiceUnavailable,
		detail: "too many jobs are queued; try again later", retryAfter: 1},
	{target: jobs.ErrUnavailable, status: http.StatusServiceUnavailable,
		detail: "the service is unavailable for a moment; try again later", retryAfter: 1},
	{target: ErrBodyUnreadable, status: http.StatusBadRequest,
		detail: "the request body could not be read: the connection closed, or the body did not arrive in the time allowed"},
	{target: ErrBodyTooLarge, status: http.StatusRequestEntityTooLarge, detail: "the request body is too large"},
	{target: ErrUnsupportedMediaType, status: http.StatusUnsupportedMediaType,
		detail: "the body must be JSON: Content-Type application/json or application/*+json"},
	{target: ErrRouteNotFound, status: http.StatusNotFound, detail: "no resource has this path"},
	{target: ErrMethodNotAllowed, status: http.StatusMethodNotAllowed, detail: "the resource does not support this method"},
}

// For turns err into the problem the client sees. An error the table
// does not know is a 500 whose detail says nothing of err.
func For(err error) Details {
	var invalid *jobs.ValidationError
	if errors.As(err, &invalid) {
		p := newDetails(http.StatusBadRequest, invalid.Detail)
		p.Errors = invalid.Fields
		return p
	}
	var refused *sigv4.Error
	if errors.As(err, &refused) {
		return newDetails(http.StatusForbidden, refused.Message)
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return newDetails(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the request body is larger than the limit of %d bytes", tooLarge.Limit))
	}
	rule, ok := ruleFor(err)
	if !ok {
		return newDetails(http.StatusInternalServerError, "the server could not handle the request")
	}
	return newDetails(rule.status, rule.detail)
}

// RetryAfter says how many seconds a client should wait before trying the
// request again, for the errors that call for it.
func RetryAfter(err error) (seconds int, ok bool) {
	rule, found := ruleFor(err)
	if !found || rule.retryAfter <= 0 {
		return 0, false
	}
	return rule.retryAfter, true
}

func ruleFor(err error) (statusRule, bool) {
	if err == nil {
		return statusRule{}, false
	}
	for _, r := range statusRules {
		if errors.Is(err, r.target) {
			return r, true
		}
	}
	return statusRule{}, false
}

func newDetails(status int, detail string) Details {
	return Details{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}
