package main

import (
	"cmp"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/asyncjobs/asyncjobs/handlers"
	"github.com/asyncjobs/asyncjobs/jobs"
)

// integrationTimeout is API Gateway's limit on a REST API's integration:
// the whole request, counted from its arrival.
const integrationTimeout = 29 * time.Second

// answerMargin is what a request's budget keeps for the work after a wait:
// the last read of the job, publishing the job events (flushTimeout) and the
// response's way back through API Gateway.
const answerMargin = flushTimeout + 2*time.Second

// apiGateway is the handlers.Gateway of API Gateway's proxy events, read
// from the request context that ginadapter's ProxyWithContext fills.
type apiGateway struct{ clock jobs.Clock }

var _ handlers.Gateway = apiGateway{}

// BasePath is where API Gateway serves the API (see basePath); "" without a
// request context.
func (apiGateway) BasePath(r *http.Request) string {
	rc, ok := core.GetAPIGatewayContextFromContext(r.Context())
	if !ok {
		return ""
	}
	return basePath(rc)
}

// AnswerBy budgets the request from its arrival at API Gateway
// (requestTimeEpoch, so a cold start counts), within the Lambda invocation's
// own deadline: both less answerMargin.
func (g apiGateway) AnswerBy(r *http.Request) time.Time {
	now := g.clock.Now()
	arrival := now
	if rc, ok := core.GetAPIGatewayContextFromContext(r.Context()); ok && rc.RequestTimeEpoch > 0 {
		if t := time.UnixMilli(rc.RequestTimeEpoch); t.Before(now) {
			arrival = t // a gateway clock ahead of ours counts as now
		}
	}
	by := arrival.Add(integrationTimeout - answerMargin)
	if deadline, ok := r.Context().Deadline(); ok {
		if fnBy := now.Add(time.Until(deadline) - answerMargin); fnBy.Before(by) {
			by = fnBy
		}
	}
	return by
}

// basePath is where API Gateway mounts the API (see mount); for a greedy
// resource, whose length is unknown, it is the stage, as on the execute-api
// host.
func basePath(rc events.APIGatewayProxyRequestContext) string {
	if base, _, ok := mount(rc); ok {
		return base
	}
	if rc.Stage == "" {
		return ""
	}
	return "/" + rc.Stage
}

// mount splits the request's full path (requestContext.path) into the part
// before the API's resource and the resource's own path: /prod + /jobs/x on
// the execute-api host, /v1 + /jobs/x under a custom domain's base path
// mapping, "" + /jobs/x at a custom domain's root. The resource's path has as
// many segments as the resource path (/jobs/{id}); ok is false for a greedy
// resource ({proxy+}) or a full path too short.
func mount(rc events.APIGatewayProxyRequestContext) (base, path string, ok bool) {
	resource := strings.Trim(rc.ResourcePath, "/")
	if strings.Contains(resource, "+}") || !strings.HasPrefix(rc.Path, "/") {
		return "", "", false
	}
	full := strings.TrimSuffix(rc.Path, "/")
	cut := len(full)
	if resource != "" {
		for range strings.Count(resource, "/") + 1 {
			cut = strings.LastIndexByte(full[:cut], '/')
			if cut < 0 {
				return "", "", false
			}
		}
	}
	return full[:cut], cmp.Or(full[cut:], "/"), true
}

// withinMount is the request's path without a custom domain's base path,
// which API Gateway leaves in the event's path (the execute-api host's stage
// it removes): the path the router knows.
func withinMount(req events.APIGatewayProxyRequest) string {
	if _, path, ok := mount(req.RequestContext); ok && strings.HasSuffix(req.Path, path) {
		return path
	}
	return req.Path
}
