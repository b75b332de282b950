package apigateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/awsstack"
	"github.com/asyncjobs/asyncjobs/internal/sigv4test"
)

var cred = sigv4.Credential{AccessKeyID: "AKIATEST", SecretAccessKey: "testsecret", Principal: "arn:aws:iam::111122223333:user/alice"}

// fakeFunction records the events it gets and answers with answer.
type fakeFunction struct {
	events chan events.APIGatewayProxyRequest
	answer func() ([]byte, error)
}

func (f *fakeFunction) invoke(_ context.Context, payload []byte) ([]byte, error) {
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, err
	}
	f.events <- e
	return f.answer()
}

type fnError struct{ typ string }

func (e fnError) Error() string     { return e.typ }
func (e fnError) ErrorType() string { return e.typ }

func setup(t *testing.T, answer func() ([]byte, error)) (*httptest.Server, *fakeFunction) {
	t.Helper()
	fn := &fakeFunction{events: make(chan events.APIGatewayProxyRequest, 1), answer: answer}
	verifier, err := sigv4.NewVerifier(sigv4.Config{Region: "us-east-1", Credentials: []sigv4.Credential{cred}})
	if err != nil {
		t.Fatal(err)
	}
	api := awsstack.API{
		LogicalID: "JobsApi", Stage: "prod",
		Routes: []awsstack.Route{
			{Method: "POST", Path: "/jobs", Auth: "AWS_IAM", Proxy: true, Function: "Api"},
			{Method: "GET", Path: "/jobs/{id}", Auth: "AWS_IAM", Proxy: true, Function: "Api"},
			{Method: "GET", Path: "/healthz", Auth: "NONE", Proxy: true, Function: "Api"},
		},
		GatewayResponses: map[string]awsstack.GatewayResponse{
			"INVALID_SIGNATURE": {Status: 403, Headers: map[string]string{"Content-Type": "application/problem+json"}, Body: `{"status":403,"detail":$context.error.messageString}`},
		},
	}
	g, err := New(Config{API: api, Account: "000000000000", Functions: map[string]Invoke{"Api": fn.invoke}, Verifier: verifier,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv, fn
}

func ok() ([]byte, error) {
	return json.Marshal(events.APIGatewayProxyResponse{
		StatusCode: 202, Headers: map[string]string{"Location": "/prod/jobs/j1", "X-One": "a"},
		MultiValueHeaders: map[string][]string{"X-One": {"b", "c"}}, Body: `{"id":"j1"}`,
	})
}

func do(t *testing.T, method, url, body string, sign bool) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	signer := sigv4.Credential{}
	if sign {
		signer = cred
	}
	resp, b := sigv4test.Do(t, req, []byte(body), signer, "us-east-1")
	return resp, string(b)
}

func TestProxyEventAndResponse(t *testing.T) {
	t.Parallel()
	srv, fn := setup(t, ok)
	resp, body := do(t, "GET", srv.URL+"/prod/jobs/j%2F1?wait=3&wait=5", "", true)
	if resp.StatusCode != 202 || body != `{"id":"j1"}` || resp.Header.Get("Location") != "/prod/jobs/j1" {
		t.Fatalf("answer %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if got := resp.Header.Values("X-One"); strings.Join(got, ",") != "b,c" {
		t.Errorf("X-One %q, want multiValueHeaders' b,c", got)
	}
	e := <-fn.events
	rc := e.RequestContext
	checks := map[string][2]string{
		"resource":          {e.Resource, "/jobs/{id}"},
		"path":              {e.Path, "/jobs/j/1"},
		"pathParameters.id": {e.PathParameters["id"], "j%2F1"},
		"httpMethod":        {e.HTTPMethod, "GET"},
		"query wait":        {e.QueryStringParameters["wait"], "5"},
		"multi query wait":  {strings.Join(e.MultiValueQueryStringParameters["wait"], ","), "3,5"},
		"stage":             {rc.Stage, "prod"},
		"context path":      {rc.Path, "/prod/jobs/j/1"},
		"resourcePath":      {rc.ResourcePath, "/jobs/{id}"},
		"accountId":         {rc.AccountID, "000000000000"},
		"userArn":           {rc.Identity.UserArn, cred.Principal},
		"accessKey":         {rc.Identity.AccessKey, cred.AccessKeyID},
		"identity account":  {rc.Identity.AccountID, "111122223333"},
		"sourceIp":          {rc.Identity.SourceIP, "127.0.0.1"},
	}
	for what, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", what, c[0], c[1])
		}
	}
	if !strings.HasPrefix(rc.Identity.Caller, "AIDA") || rc.Identity.User != rc.Identity.Caller {
		t.Errorf("caller %q user %q, want an AIDA unique id in both", rc.Identity.Caller, rc.Identity.User)
	}
}

func TestGatewayAnswersItself(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, method, path string
		sign               bool
		answer             func() ([]byte, error)
		status             int
		bodyHas            string
	}{
		{"no stage", "GET", "/jobs/j1", true, ok, 403, "Missing Authentication Token"},
		{"no route", "GET", "/prod/nothing", true, ok, 403, "Missing Authentication Token"},
		{"no method", "DELETE", "/prod/jobs", true, ok, 403, "Missing Authentication Token"},
		{"unsigned", "GET", "/prod/jobs/j1", false, ok, 403, "Missing Authentication Token"},
		{"open route unsigned", "GET", "/prod/healthz", false, ok, 202, `{"id":"j1"}`},
		{"function error", "GET", "/prod/jobs/j1", true, func() ([]byte, error) { return nil, fnError{"Runtime.Panic"} }, 502, "Internal server error"},
		{"timeout", "GET", "/prod/jobs/j1", true, func() ([]byte, error) { return nil, fnError{"Sandbox.Timedout"} }, 504, "Endpoint request timed out"},
		{"not a proxy response", "GET", "/prod/jobs/j1", true, func() ([]byte, error) { return []byte(`"hello"`), nil }, 502, "Internal server error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := setup(t, c.answer)
			resp, body := do(t, c.method, srv.URL+c.path, "", c.sign)
			if resp.StatusCode != c.status || !strings.Contains(body, c.bodyHas) {
				t.Errorf("%d %s, want %d with %q", resp.StatusCode, body, c.status, c.bodyHas)
			}
		})
	}
}

func TestBadSignatureGetsTheTemplatesResponse(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, ok)
	req, _ := http.NewRequest("GET", srv.URL+"/prod/jobs/j1", nil)
	wrong := cred
	wrong.SecretAccessKey = "wrong"
	resp, body := sigv4test.Do(t, req, nil, wrong, "us-east-1")
	var problem struct {
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(body, &problem); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 403 || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.HasPrefix(problem.Detail, "The request signature we calculated does not match") {
		t.Errorf("%d %s %+v, want the template's INVALID_SIGNATURE problem", resp.StatusCode, resp.Header.Get("Content-Type"), problem)
	}
}
