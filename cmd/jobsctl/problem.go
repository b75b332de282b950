package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/asyncjobs/asyncjobs/handlers/problem"
)

// apiError is an answer of the API other than a job: an RFC 9457 problem
// from the API itself, or a refusal of API Gateway's ({"message": ...}).
type apiError struct {
	status     int
	id         string // the job concerned; empty for a submission
	url        string
	problem    problem.Details
	retryAfter string
}

func newAPIError(resp *http.Response, body []byte, id, url string) *apiError {
	var decoded struct {
		problem.Details
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &decoded) != nil {
		decoded.Detail = strings.TrimSpace(string(body))
	}
	p := decoded.Details
	if p.Detail == "" {
		p.Detail = decoded.Message
	}
	if p.Detail == "" {
		p.Detail = http.StatusText(resp.StatusCode)
	}
	return &apiError{status: resp.StatusCode, id: id, url: url, problem: p, retryAfter: resp.Header.Get("Retry-After")}
}

func (e *apiError) Error() string {
	detail := e.problem.Detail
	switch e.status {
	case http.StatusBadRequest:
		fields := make([]string, 0, len(e.problem.Errors))
		for _, f := range e.problem.Errors {
			if f.Field == "" {
				fields = append(fields, f.Message)
				continue
			}
			fields = append(fields, f.Field+": "+f.Message)
		}
		if len(fields) == 0 {
			return "the request is not valid: " + detail
		}
		return "the request is not valid: " + strings.Join(fields, "; ")
	case http.StatusForbidden:
		return fmt.Sprintf("the API refused the signature: %s; check --credentials/--region", detail)
	case http.StatusNotFound:
		if e.id == "" {
			return fmt.Sprintf("%s: not found; check --endpoint (an API Gateway URL ends with its stage, such as /prod)", e.url)
		}
		return fmt.Sprintf("no job %s (or it belongs to another principal)", e.id)
	case http.StatusConflict:
		return fmt.Sprintf("job %s cannot be changed: %s", e.id, detail)
	case http.StatusUnprocessableEntity:
		return "the API refused the request: " + detail
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if e.retryAfter == "" {
			return fmt.Sprintf("the API is overloaded; retry later (%s)", detail)
		}
		return fmt.Sprintf("the API is overloaded; retry after %s s (%s)", e.retryAfter, detail)
	}
	return fmt.Sprintf("the API answered %d %s: %s", e.status, http.StatusText(e.status), detail)
}
