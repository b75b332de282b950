package console

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
)

// maxBody bounds a request body the page sends and an answer it gets (a
// page of the list holds up to 200 jobs).
const (
	maxBody   = 1 << 20
	maxAnswer = 16 << 20
)

// apiPath is what the page may call under /console/api: the jobs, one job,
// the OpenAPI document, and jobsd's archive of failures and its replay
// (which answer 404 elsewhere, as in AWS).
var apiPath = regexp.MustCompile(`^/(jobs|jobs/[A-Za-z0-9-]{1,50}|openapi\.json|local/archive|local/archive/replay)$`)

// forwarded are the request headers passed on to the API.
var forwarded = []string{"Content-Type", "Idempotency-Key", "Prefer", "Accept"}

// api passes a call of the page on to the API at path, signed for the user.
func (c *Console) api(w http.ResponseWriter, r *http.Request, path string) {
	if !apiPath.MatchString(path) {
		refuse(w, http.StatusNotFound, "the console's API is /console/api/jobs, /console/api/jobs/{id}, /console/api/openapi.json, /console/api/local/archive and /console/api/local/archive/replay")
		return
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost, http.MethodDelete:
		if r.Header.Get(WriteHeader) != "1" {
			refuse(w, http.StatusForbidden, fmt.Sprintf("%s needs the header %s: 1", r.Method, WriteHeader))
			return
		}
	default:
		refuse(w, http.StatusMethodNotAllowed, "the console's API takes GET, POST and DELETE")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		refuse(w, http.StatusRequestEntityTooLarge, "the request body is too large or could not be read")
		return
	}
	header := http.Header{}
	for _, name := range forwarded {
		if v := r.Header.Get(name); v != "" {
			header.Set(name, v)
		}
	}
	status, h, answer, err := c.call(r.Context(), r.Method, path, r.URL.RawQuery, header, body)
	if err != nil {
		refuse(w, http.StatusBadGateway, err.Error())
		return
	}
	for _, name := range []string{"Content-Type", "Retry-After", "Location"} {
		if v := h.Get(name); v != "" {
			w.Header().Set(name, v)
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(answer) // a failed write means the page has gone
}

// call sends one signed request to path (with rawQuery) under the endpoint
// and returns the answer, whatever its status.
func (c *Console) call(ctx context.Context, method, path, rawQuery string, header http.Header, body []byte) (int, http.Header, []byte, error) {
	u, err := url.JoinPath(c.cfg.Endpoint, path) // keeps API Gateway's stage
	if err != nil {
		return 0, nil, nil, err
	}
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	for name, values := range header {
		req.Header[name] = values
	}
	if c.cfg.Signer != nil {
		if err := c.cfg.Signer.Sign(ctx, req, body); err != nil {
			return 0, nil, nil, err
		}
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	return resp.StatusCode, resp.Header, answer, nil
}
