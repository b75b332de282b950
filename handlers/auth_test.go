package handlers

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	ginadapter "github.com/awslabs/aws-lambda-go-api-proxy/gin"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
)

// fixedAuthenticator says every request comes from principal, or refuses all.
func fixedAuthenticator(principal string, refusal error) Authenticator {
	return AuthenticatorFunc(func(*http.Request, []byte) (string, error) { return principal, refusal })
}

func TestEveryJobCallCarriesThePrincipal(t *testing.T) {
	t.Parallel()
	f := newFake()
	h := New(Config{Service: f, Authenticator: fixedAuthenticator("arn:aws:iam::1:user/alice", nil), Logger: slog.New(slog.DiscardHandler)})
	serve(t, h, http.MethodPost, "/jobs", `{"seconds":1}`, with(jsonType, "Prefer", "wait=1"))
	serve(t, h, http.MethodGet, "/jobs/pending-1", "", nil)
	serve(t, h, http.MethodGet, "/jobs/pending-1?wait=1", "", nil)
	serve(t, h, http.MethodDelete, "/jobs/pending-1", "", nil)
	if got := f.lastSubmit(t).Owner; got != "arn:aws:iam::1:user/alice" {
		t.Errorf("Submit owner %q", got)
	}
	if len(f.owners) != 4 {
		t.Fatalf("owners %v, want 4 calls", f.owners)
	}
	for _, o := range f.owners {
		if o != "arn:aws:iam::1:user/alice" {
			t.Fatalf("owners %v: every call must carry the principal", f.owners)
		}
	}
}

func TestRefusedRequestsNeverReachTheService(t *testing.T) {
	t.Parallel()
	f := newFake()
	refusal := &sigv4.Error{Message: "Missing Authentication Token"}
	h := New(Config{Service: f, Authenticator: fixedAuthenticator("", refusal), Logger: slog.New(slog.DiscardHandler)})
	for _, r := range []struct{ method, target, body string }{
		{http.MethodPost, "/jobs", `{"seconds":1}`}, {http.MethodGet, "/jobs/pending-1", ""}, {http.MethodDelete, "/jobs/pending-1", ""},
	} {
		rec := serve(t, h, r.method, r.target, r.body, jsonType)
		p := assertProblem(t, rec, http.StatusForbidden, "", "")
		if p.Detail != "Missing Authentication Token" {
			t.Errorf("%s %s: detail %q", r.method, r.target, p.Detail)
		}
	}
	if f.calls != 0 {
		t.Fatalf("the service was called %d times for refused requests", f.calls)
	}
	if rec := serve(t, h, http.MethodGet, "/healthz", "", nil); rec.Code != http.StatusOK {
		t.Fatalf("/healthz needs no signature: %d", rec.Code)
	}
	if rec := serve(t, h, http.MethodPost, "/jobs", strings.Repeat("x", DefaultMaxBodyBytes+1), jsonType); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("an oversized body is refused for its size first: %d", rec.Code)
	}
}

// TestAPIGatewayIdentityThroughTheProxyAdapter sends a real API Gateway (REST,
// payload v1) event through aws-lambda-go-api-proxy's gin adapter.
func TestAPIGatewayIdentityThroughTheProxyAdapter(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/apigateway-get-job.json")
	if err != nil {
		t.Fatal(err)
	}
	var event events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &event); err != nil {
		t.Fatal(err)
	}
	f := newFake()
	adapter := ginadapter.New(New(Config{Service: f, Authenticator: APIGatewayIdentity(), Logger: slog.New(slog.DiscardHandler)}))
	resp, err := adapter.ProxyWithContext(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || len(f.owners) != 1 || f.owners[0] != "arn:aws:iam::123456789012:user/postman" {
		t.Fatalf("status %d, owners %v; body %s", resp.StatusCode, f.owners, resp.Body)
	}

	event.RequestContext.Identity.UserArn = ""
	event.RequestContext.Identity.Caller = ""
	resp, err = adapter.ProxyWithContext(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an event without an identity: %d, want 403", resp.StatusCode)
	}
}
