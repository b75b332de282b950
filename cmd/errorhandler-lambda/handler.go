package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/push"
)

// handlerDeps is what the function is made of: run passes DynamoDB and
// AppSync, tests pass a local store and a recording publisher.
type handlerDeps struct {
	Store     jobs.Store
	Publisher push.Publisher
	Namespace string
	Clock     jobs.Clock
	Logger    *slog.Logger
}

// handler records one failure per invocation.
type handler struct {
	errors   *errorhandling.Handler
	notifier *push.Notifier
	logger   *slog.Logger
}

func newHandler(d handlerDeps) *handler {
	notifier := push.NewNotifier(push.NotifierConfig{Publisher: d.Publisher, Namespace: d.Namespace, Logger: d.Logger})
	return &handler{
		errors:   &errorhandling.Handler{Store: d.Store, Notifier: notifier, Clock: d.Clock, Logger: d.Logger},
		notifier: notifier,
		logger:   d.Logger,
	}
}

// handle records the failure that rec describes, publishes it before Lambda
// freezes the process (push is best effort: a failed publish fails nothing),
// and returns the error that sends rec on to the failure bus.
func (h *handler) handle(ctx context.Context, rec destination.Record) error {
	err := h.errors.Handle(ctx, rec)
	if ferr := h.notifier.Flush(ctx); ferr != nil {
		h.logger.Warn("job events not all published before the function returned", "requestId", rec.RequestContext.RequestID, "err", ferr)
	}
	return functionError(err)
}

// functionError is err as the Lambda runtime reports it: aws-lambda-go names
// an error by its Go type (wrapError…) unless it is a
// messages.InvokeResponse_Error, so jobs.ErrorType names it instead.
func functionError(err error) error {
	if err == nil {
		return nil
	}
	return messages.InvokeResponse_Error{Message: err.Error(), Type: jobs.ErrorType(err)}
}
