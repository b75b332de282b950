package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	ginadapter "github.com/awslabs/aws-lambda-go-api-proxy/gin"

	"github.com/asyncjobs/asyncjobs/handlers"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/push"
)

// A waiting request first watches its job's channel, which counts against
// its wait and its budget (apiGateway.AnswerBy). The WebSocket handshake and
// the subscribe each wait at most watchReplyTimeout; watchDialTimeout bounds
// the whole dial.
const (
	watchDialTimeout  = 2 * time.Second
	watchReplyTimeout = time.Second
)

// flushTimeout bounds how long a response waits for its job events to be
// published: push is best effort, the response is not.
const flushTimeout = 2 * time.Second

// apiDeps is what the function is made of: run passes DynamoDB, Lambda and
// AppSync, tests pass a local store and fakes.
type apiDeps struct {
	Store        jobs.Store
	Invoker      jobs.Invoker
	Publisher    push.Publisher
	Watcher      jobs.Watcher
	Meter        jobs.Meter // the EMF metrics (metrics/emf)
	Namespace    string
	Retention    time.Duration
	MaxBodyBytes int64
	InvokeRole   invokeRole
	Clock        jobs.Clock
	NewID        func() string
	Logger       *slog.Logger
	CursorKey    []byte // signs the list's cursors: the same in every instance
}

// api serves API Gateway's requests with the HTTP API's gin router.
type api struct {
	adapter  *ginadapter.GinLambda
	notifier *push.Notifier
	logger   *slog.Logger
}

func newAPI(d apiDeps) (*api, error) {
	types, err := jobtypes.New(jobtypes.DefaultConfig())
	if err != nil {
		return nil, err
	}
	notifier := push.NewNotifier(push.NotifierConfig{Publisher: d.Publisher, Namespace: d.Namespace, Logger: d.Logger})
	service := jobs.NewService(jobs.ServiceConfig{
		Store: d.Store, Types: types, Invoker: d.Invoker, Notifier: notifier, Meter: d.Meter, Watcher: d.Watcher,
		Clock: d.Clock, Retention: d.Retention, NewID: d.NewID, Logger: d.Logger, Encode: jobjson.Append,
		CursorKey: d.CursorKey,
	})
	router := handlers.New(handlers.Config{
		Service: service, Authenticator: callerIdentity(d.InvokeRole, d.Logger), Logger: d.Logger, MaxBodyBytes: d.MaxBodyBytes,
		Gateway: apiGateway{clock: d.Clock},
	})
	return &api{adapter: ginadapter.New(router), notifier: notifier, logger: d.Logger}, nil
}

// handle serves one request. ProxyWithContext puts API Gateway's request
// context, with the caller's IAM identity, where callerIdentity reads it. The job events the request caused are published before the
// response is returned, since Lambda freezes the process after.
func (a *api) handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	req.Path = withinMount(req)
	resp, err := a.adapter.ProxyWithContext(ctx, req)
	flushCtx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	if ferr := a.notifier.Flush(flushCtx); ferr != nil {
		a.logger.Warn("job events not all published before the response", "requestId", req.RequestContext.RequestID, "err", ferr)
	}
	return resp, err
}
