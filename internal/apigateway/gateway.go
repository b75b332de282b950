// Package apigateway is API Gateway's REST API on this machine, as the
// stack's template describes it: the stage in the path, the template's
// routes, AWS_IAM auth (SigV4 checked with auth/sigv4, as jobsd does), the
// Lambda proxy integration's v1 event with the caller's identity, the
// function's answer mapped back, and the template's gateway responses for
// what API Gateway answers itself.
package apigateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/awsstack"
)

// maxBody is API Gateway's payload limit.
const maxBody = 10 << 20

// Invoke runs a function synchronously (RequestResponse) with payload and
// returns its response; a function error is an error with an ErrorType()
// method ("Sandbox.Timedout" when the function ran out of time).
type Invoke func(ctx context.Context, payload []byte) ([]byte, error)

// Config is what the gateway serves.
type Config struct {
	API       awsstack.API
	Account   string            // the API's account: requestContext.accountId
	Functions map[string]Invoke // by logical id: each route's function
	Verifier  *sigv4.Verifier   // checks AWS_IAM routes
	Logger    *slog.Logger
	Now       func() time.Time // time.Now if nil
}

// Gateway is an http.Handler serving the API's stage.
type Gateway struct {
	cfg    Config
	routes []route
}

type route struct {
	awsstack.Route
	segments []string // the path's segments; {name} is a parameter
	invoke   Invoke
}

// New checks that every route's function can be invoked.
func New(cfg Config) (*Gateway, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	g := &Gateway{cfg: cfg}
	for _, r := range cfg.API.Routes {
		invoke, ok := cfg.Functions[r.Function]
		if !ok {
			return nil, fmt.Errorf("apigateway: route %s %s invokes %s, which is not running", r.Method, r.Path, r.Function)
		}
		if !r.Proxy {
			return nil, fmt.Errorf("apigateway: route %s %s: only Lambda proxy integrations run locally", r.Method, r.Path)
		}
		if r.Auth == "AWS_IAM" && cfg.Verifier == nil {
			return nil, fmt.Errorf("apigateway: route %s %s needs AWS_IAM and no verifier was given", r.Method, r.Path)
		}
		rt := route{Route: r, segments: split(r.Path), invoke: invoke}
		g.routes = append(g.routes, rt)
	}
	return g, nil
}

// BasePath is the stage's base path: /<stage>/.
func (g *Gateway) BasePath() string { return "/" + g.cfg.API.Stage + "/" }

func split(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

// match finds the route of method and path (without the stage) and its
// path parameters.
func (g *Gateway) match(method, path string) (*route, map[string]string) {
	segments := split(path)
	for i := range g.routes {
		r := &g.routes[i]
		if (r.Method != method && r.Method != "ANY") || len(r.segments) != len(segments) {
			continue
		}
		params := map[string]string{}
		matched := true
		for j, s := range r.segments {
			if name, ok := strings.CutPrefix(s, "{"); ok && strings.HasSuffix(name, "}") {
				params[strings.TrimSuffix(name, "}")] = segments[j]
			} else if s != segments[j] {
				matched = false
				break
			}
		}
		if matched && !slices.Contains(segments, "") {
			return r, params
		}
	}
	return nil, nil
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := uuid.NewString()
	w.Header().Set("X-Amzn-Requestid", requestID)
	stagePath, ok := strings.CutPrefix(r.URL.EscapedPath(), "/"+g.cfg.API.Stage)
	if !ok || (stagePath != "" && !strings.HasPrefix(stagePath, "/")) {
		g.gatewayResponse(w, "MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
		return
	}
	rt, params := g.match(r.Method, stagePath)
	if rt == nil {
		g.gatewayResponse(w, "MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		g.cfg.Logger.Warn("read a request body", "requestId", requestID, "err", err)
		g.gatewayResponse(w, "BAD_REQUEST_BODY", "the request body could not be read")
		return
	}
	if len(body) > maxBody {
		g.gatewayResponse(w, "REQUEST_TOO_LARGE", "Request Too Long")
		return
	}
	var id identity
	if rt.Auth == "AWS_IAM" {
		principal, err := g.cfg.Verifier.Verify(r, body)
		var refused *sigv4.Error
		switch {
		case errors.As(err, &refused):
			g.gatewayResponse(w, refusalType(refused), refused.Message)
			return
		case err != nil:
			g.cfg.Logger.Error("verify a signature", "requestId", requestID, "err", err)
			g.gatewayResponse(w, "DEFAULT_5XX", "Internal server error")
			return
		}
		id = identityOf(principal, accessKeyOf(r.Header.Get("Authorization")), g.cfg.Account)
	}
	event := g.event(r, rt, params, stagePath, body, requestID, id)
	g.proxy(r.Context(), w, rt, event, requestID)
}

// refusalType is the gateway response type of a SigV4 refusal.
func refusalType(e *sigv4.Error) string {
	if e.Message == "Missing Authentication Token" {
		return "MISSING_AUTHENTICATION_TOKEN"
	}
	return "INVALID_SIGNATURE"
}
