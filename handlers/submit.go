package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/asyncjobs/asyncjobs/handlers/problem"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
)

// maxKeyLength is the longest Idempotency-Key accepted.
const maxKeyLength = 255

// submit answers POST /jobs: 202 with the job while it is not finished, 200
// once it is (after Prefer: wait=N, or on an idempotent replay of a finished
// job).
func (h *jobHandlers) submit(c *gin.Context) {
	req, err := submitRequest(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	ctx := c.Request.Context()
	job, replayed, err := h.svc.Submit(ctx, req)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("Location", h.gateway.BasePath(c.Request)+"/jobs/"+job.ID)
	if replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	if wait, ok := preferredWait(c.Request.Header); ok {
		c.Header("Preference-Applied", "wait="+strconv.Itoa(int(wait/time.Second)))
		// The job is accepted whatever happens now, so a failed wait is no failure.
		if waited, err := h.svc.Wait(ctx, req.Owner, job.ID, wait, h.gateway.AnswerBy(c.Request)); err != nil {
			h.logger.WarnContext(ctx, "wait for a submitted job", "job", job.ID, "err", err)
		} else {
			job = waited
		}
	}
	if job.Status.Terminal() {
		writeJob(c, http.StatusOK, job)
		return
	}
	c.Header("Retry-After", "1")
	writeJob(c, http.StatusAccepted, job)
}

// submitRequest reads the request of POST /jobs: its JSON body, which
// authenticate read within the body limit, and its Idempotency-Key.
func submitRequest(c *gin.Context) (jobs.SubmitRequest, error) {
	if !isJSON(c.GetHeader("Content-Type")) {
		return jobs.SubmitRequest{}, problem.ErrUnsupportedMediaType
	}
	key, err := idempotencyKey(c.Request.Header)
	if err != nil {
		return jobs.SubmitRequest{}, err
	}
	req, err := parseSubmit(requestBody(c))
	if err != nil {
		return jobs.SubmitRequest{}, err
	}
	req.IdempotencyKey = key
	req.Owner = principal(c)
	return req, nil
}

// isJSON reports whether a Content-Type is application/json or application/*+json.
func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	sub, ok := strings.CutPrefix(mediaType, "application/")
	return ok && (sub == "json" || len(sub) > len("+json") && strings.HasSuffix(sub, "+json"))
}

// idempotencyKey returns the Idempotency-Key header, "" when there is none.
func idempotencyKey(h http.Header) (string, error) {
	values := h.Values("Idempotency-Key")
	if len(values) == 0 {
		return "", nil
	}
	key := strings.Join(values, ", ")
	const field = "Idempotency-Key"
	switch {
	case key == "":
		return "", fieldError(field, "required", "", field+" must not be empty")
	case len(key) > maxKeyLength:
		return "", fieldError(field, "max", strconv.Itoa(maxKeyLength),
			fmt.Sprintf("%s must be at most %d characters", field, maxKeyLength))
	case strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r > 0x7e }):
		return "", fieldError(field, "printascii", "", field+" must be printable ASCII characters")
	}
	return key, nil
}

// preferredWait reads the RFC 7240 preference wait=N, clamped to jobs.MaxWait.
// Only the first wait counts; a malformed one is ignored.
func preferredWait(h http.Header) (time.Duration, bool) {
	for _, value := range h.Values("Prefer") {
		for pref := range strings.SplitSeq(value, ",") {
			token, _, _ := strings.Cut(pref, ";")
			name, raw, _ := strings.Cut(token, "=")
			if !strings.EqualFold(strings.TrimSpace(name), "wait") {
				continue
			}
			n, err := strconv.ParseUint(strings.Trim(strings.TrimSpace(raw), `"`), 10, 32)
			if err != nil {
				return 0, false
			}
			return min(time.Duration(n)*time.Second, jobs.MaxWait), true
		}
	}
	return 0, false
}

// parseSubmit reads a body of one of two forms: the envelope
// {"type": "<name>", "parameters": {...}} when there is a "type" member, else
// the parameters of jobtypes.Sleep, the reference sample's {"seconds": N}.
// The parameters themselves are left to the Service, which checks them
// against the type.
func parseSubmit(body []byte) (jobs.SubmitRequest, error) {
	if req, ok := parseEnvelope(body); ok {
		return req, nil
	}
	return parseMembers(body)
}

// parseMembers is parseSubmit for any body: it decodes the members into a
// map, so that every problem is reported.
func parseMembers(body []byte) (jobs.SubmitRequest, error) {
	var members map[string]json.RawMessage
	err := json.Unmarshal(body, &members)
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return jobs.SubmitRequest{}, fieldError("", "json", "",
			fmt.Sprintf("the body is not valid JSON (at byte %d): %s", syntaxErr.Offset, syntaxErr.Error()))
	}
	if err != nil || members == nil {
		return jobs.SubmitRequest{}, fieldError("", "type", "object", "the body must be a JSON object")
	}
	rawType, envelope := members["type"]
	if !envelope {
		return jobs.SubmitRequest{Type: jobtypes.Sleep, Parameters: body}, nil
	}

	req := jobs.SubmitRequest{Parameters: json.RawMessage("{}")}
	var problems []jobs.FieldError
	if err := json.Unmarshal(rawType, &req.Type); err != nil {
		problems = append(problems, jobs.FieldError{Field: "type", Rule: "type", Param: "a string", Message: "type must be a string"})
	}
	if params, ok := members["parameters"]; ok && !bytes.Equal(params, []byte("null")) {
		req.Parameters = params
		if params[0] != '{' {
			problems = append(problems, jobs.FieldError{Field: "parameters", Rule: "type", Param: "an object",
				Message: "parameters must be a JSON object"})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(members)) {
		if name != "type" && name != "parameters" {
			problems = append(problems, jobs.FieldError{Field: name, Rule: "unknown", Message: name + " is not a known field"})
		}
	}
	if len(problems) > 0 {
		return jobs.SubmitRequest{}, &jobs.ValidationError{Detail: invalidDetail, Fields: problems}
	}
	return req, nil
}

// invalidDetail is the detail of a refused request, as jobs words it.
const invalidDetail = "the request is not valid"

// fieldError is a *jobs.ValidationError with one broken rule.
func fieldError(field, rule, param, message string) *jobs.ValidationError {
	return &jobs.ValidationError{
		Detail: invalidDetail,
		Fields: []jobs.FieldError{{Field: field, Rule: rule, Param: param, Message: message}},
	}
}
