package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/push"
)

// cancelCheckEvery is how often a running job is read from DynamoDB to see
// whether it was cancelled: the function hears of no change (it has no
// watcher), and a job that reports no progress would run on otherwise.
const cancelCheckEvery = 2 * time.Second

// handlerDeps is what the function is made of: run passes DynamoDB and
// AppSync, tests pass a local store and a recording publisher.
type handlerDeps struct {
	Store      jobs.Store
	Publisher  push.Publisher
	Namespace  string
	JobTypes   jobtypes.Config
	CheckEvery time.Duration // how often a running job is read to see a cancellation
	Clock      jobs.Clock
	Logger     *slog.Logger
}

// handler runs one attempt of a job per invocation.
type handler struct {
	processor *jobs.Processor
	notifier  *push.Notifier
	logger    *slog.Logger
}

func newHandler(d handlerDeps) (*handler, error) {
	types, err := jobtypes.New(d.JobTypes)
	if err != nil {
		return nil, err
	}
	notifier := push.NewNotifier(push.NotifierConfig{Publisher: d.Publisher, Namespace: d.Namespace, Logger: d.Logger})
	return &handler{
		processor: &jobs.Processor{
			Store: d.Store, Types: types, Notifier: notifier, CheckEvery: d.CheckEvery, Clock: d.Clock, Logger: d.Logger,
		},
		notifier: notifier,
		logger:   d.Logger,
	}, nil
}

// handle runs the attempt, publishes the job's changes before Lambda freezes
// the process (push is best effort: a failed publish fails nothing), and
// returns the attempt's error as Lambda should record it.
func (h *handler) handle(ctx context.Context, inv jobs.Invocation) error {
	err := h.processor.Handle(ctx, inv)
	if ferr := h.notifier.Flush(ctx); ferr != nil {
		h.logger.Warn("job events not all published before the function returned", "job", inv.JobID, "err", ferr)
	}
	return functionError(err)
}

// functionError is err as the Lambda runtime reports it. aws-lambda-go names
// an error by its Go type (TypedError, wrapError) unless it is a
// messages.InvokeResponse_Error, so the job's error type goes there: the
// failure record's responsePayload.errorType then says SecondsAboveLimit,
// Timeout, Panic… and the error handler records it on the job.
func functionError(err error) error {
	if err == nil {
		return nil
	}
	return messages.InvokeResponse_Error{Message: err.Error(), Type: jobs.ErrorType(err)}
}
