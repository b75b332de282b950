package main

import (
	"context"
	"log/slog"

	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/internal/lambdareturn"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/push"
)

// handlerDeps is what the function is made of: run passes DynamoDB and
// AppSync, tests pass a local store and a recording publisher.
type handlerDeps struct {
	Store     jobs.Store
	Publisher push.Publisher
	Namespace string
	Meter     meter
	Clock     jobs.Clock
	Logger    *slog.Logger
}

// meter counts the failures the function records and the destination
// records it receives: metrics/emf's Meter.
type meter interface {
	jobs.Meter
	FailureRecord(handled bool)
}

// handler records one failure per invocation.
type handler struct {
	errors   *errorhandling.Handler
	notifier *push.Notifier
	meter    meter
	logger   *slog.Logger
}

func newHandler(d handlerDeps) *handler {
	notifier := push.NewNotifier(push.NotifierConfig{Publisher: d.Publisher, Namespace: d.Namespace, Logger: d.Logger})
	return &handler{
		errors:   &errorhandling.Handler{Store: d.Store, Notifier: notifier, Meter: d.Meter, Clock: d.Clock, Logger: d.Logger},
		notifier: notifier,
		meter:    d.Meter,
		logger:   d.Logger,
	}
}

// handle records the failure that rec describes and ends the invocation
// with lambdareturn.Finish: an error sends rec on to the failure bus.
func (h *handler) handle(ctx context.Context, rec destination.Record) error {
	err := h.errors.Handle(ctx, rec)
	h.meter.FailureRecord(err == nil)
	return lambdareturn.Finish(ctx, h.notifier, h.logger, err, "requestId", rec.RequestContext.RequestID)
}
