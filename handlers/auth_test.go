package handlers

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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

func TestTheBodyIsReadOnceByAuthenticate(t *testing.T) {
	t.Parallel()
	f := newFake()
	// An authenticator that consumes r.Body leaves the handler the body
	// authenticate read: the body is read from the request once, not again.
	drains := AuthenticatorFunc(func(r *http.Request, _ []byte) (string, error) {
		_, err := io.Copy(io.Discard, r.Body)
		return "alice", err
	})
	h := New(Config{Service: f, Authenticator: drains, Logger: slog.New(slog.DiscardHandler)})
	if rec := serve(t, h, http.MethodPost, "/jobs", `{"seconds":3}`, jsonType); rec.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if got := string(f.lastSubmit(t).Parameters); got != `{"seconds":3}` {
		t.Errorf("submitted parameters %s, want the body", got)
	}
}

func TestARequestWithoutABodyIsNotRead(t *testing.T) {
	t.Parallel()
	f := newFake()
	var bodies [][]byte
	records := AuthenticatorFunc(func(_ *http.Request, body []byte) (string, error) {
		bodies = append(bodies, body)
		return "alice", nil
	})
	h := New(Config{Service: f, Authenticator: records})
	req := httptest.NewRequest(http.MethodGet, "/jobs/j-1", nil)
	req.Body = http.NoBody // as net/http gives a request without Content-Length or chunks
	h.ServeHTTP(httptest.NewRecorder(), req)
	if len(bodies) != 1 || bodies[0] != nil {
		t.Fatalf("the authenticator got bodies %q, want one nil: no buffer is made for a request without a body", bodies)
	}
}
