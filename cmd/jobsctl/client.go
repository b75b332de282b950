package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/asyncjobs/asyncjobs/internal/apisign"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// maxResponse bounds what is read of an answer: a page of the list holds
// up to 200 jobs.
const maxResponse = 16 << 20

// client calls the jobs API. Unless signing is off, every request is signed
// with SigV4 over the hash of its actual body.
type client struct {
	endpoint string
	http     *http.Client
	signer   *apisign.Signer // nil: requests go unsigned
}

// newClient builds the client that o describes.
func (o *apiOptions) newClient(ctx context.Context) (*client, error) {
	hc, err := o.httpClient(o.endpoint)
	if err != nil {
		return nil, err
	}
	c := &client{endpoint: o.endpoint, http: hc}
	if o.noSign {
		return c, nil
	}
	creds, err := o.signingCredentials(ctx)
	if err != nil {
		return nil, err
	}
	c.signer = apisign.New(creds, o.region)
	return c, nil
}

// submit posts a job. body is the request as it goes on the wire.
func (c *client) submit(ctx context.Context, body []byte, idempotencyKey string) (jobs.Job, error) {
	header := http.Header{"Content-Type": {"application/json"}}
	if idempotencyKey != "" {
		header.Set("Idempotency-Key", idempotencyKey)
	}
	return c.job(ctx, http.MethodPost, "", nil, header, body)
}

// get reads a job; a positive wait long-polls up to that many seconds for it
// to finish.
func (c *client) get(ctx context.Context, id string, wait int) (jobs.Job, error) {
	var query url.Values
	if wait > 0 {
		query = url.Values{"wait": {strconv.Itoa(wait)}}
	}
	return c.job(ctx, http.MethodGet, id, query, nil, nil)
}

// cancel cancels a job.
func (c *client) cancel(ctx context.Context, id string) (jobs.Job, error) {
	return c.job(ctx, http.MethodDelete, id, nil, nil, nil)
}

// jobID is what the API accepts as a job id (an AppSync channel segment).
var jobID = regexp.MustCompile(`^[A-Za-z0-9-]{1,50}$`)

func checkJobID(id string) error {
	if !jobID.MatchString(id) {
		return fmt.Errorf("no job %q: a job id is 1 to 50 letters, digits or '-'", id)
	}
	return nil
}

// job sends one request about job id (or, with id empty, about the
// collection) and reads the job it answers; any other answer is an *apiError.
func (c *client) job(ctx context.Context, method, id string, query url.Values, header http.Header, body []byte) (jobs.Job, error) {
	path := []string{"jobs"}
	if id != "" {
		if err := checkJobID(id); err != nil {
			return jobs.Job{}, err
		}
		path = append(path, id)
	}
	answer, u, err := c.do(ctx, method, path, query, header, body, id)
	if err != nil {
		return jobs.Job{}, err
	}
	j, err := decodeJob(answer)
	if err != nil {
		return jobs.Job{}, errors.Join(fmt.Errorf("%s %s: unreadable job", method, u), err)
	}
	return j, nil
}

// do sends one signed request to path under the endpoint and returns the
// body of a 200 or 202 answer and the URL; any other answer is an *apiError
// (about job id, if not empty).
func (c *client) do(ctx context.Context, method string, path []string, query url.Values, header http.Header, body []byte, id string) ([]byte, string, error) {
	// JoinPath keeps the endpoint's own path: API Gateway's stage, /prod.
	u, err := url.JoinPath(c.endpoint, path...)
	if err != nil {
		return nil, "", fmt.Errorf("--endpoint %q: %w", c.endpoint, err)
	}
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, u, err
	}
	for name, values := range header {
		req.Header[name] = values
	}
	if err := c.sign(ctx, req, body); err != nil {
		return nil, u, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, u, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, u, fmt.Errorf("%s %s: %w", method, u, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		return nil, u, newAPIError(resp, answer, id, u)
	}
	return answer, u, nil
}

// listPage is a page of GET /jobs.
type listPage struct {
	Jobs []jobs.Job
	Next string // the next page's cursor, "" on the last page
}

// list reads one page of the caller's jobs; query holds the filters, the
// limit and the cursor.
func (c *client) list(ctx context.Context, query url.Values) (listPage, error) {
	answer, u, err := c.do(ctx, http.MethodGet, []string{"jobs"}, query, nil, nil, "")
	if err != nil {
		return listPage{}, err
	}
	var page struct {
		Jobs []json.RawMessage `json:"jobs"`
		Next string            `json:"next"`
	}
	if err := json.Unmarshal(answer, &page); err != nil {
		return listPage{}, errors.Join(fmt.Errorf("GET %s: unreadable page", u), err)
	}
	out := listPage{Next: page.Next, Jobs: make([]jobs.Job, len(page.Jobs))}
	for i, raw := range page.Jobs {
		if out.Jobs[i], err = decodeJob(raw); err != nil {
			return listPage{}, errors.Join(fmt.Errorf("GET %s: unreadable job", u), err)
		}
	}
	return out, nil
}

// sign signs req for execute-api with the hash of body, unless signing is off.
func (c *client) sign(ctx context.Context, req *http.Request, body []byte) error {
	if c.signer == nil {
		return nil
	}
	if err := c.signer.Sign(ctx, req, body); err != nil {
		return fmt.Errorf("%w (see --credentials, --profile)", err)
	}
	return nil
}

func decodeJob(raw []byte) (jobs.Job, error) {
	var j jobjson.Job
	if err := json.Unmarshal(raw, &j); err != nil {
		return jobs.Job{}, err
	}
	return j.Domain()
}
