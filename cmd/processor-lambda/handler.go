package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/lambdareturn"
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
	Meter      jobs.Meter    // the EMF metrics (metrics/emf)
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
			Store: d.Store, Types: types, Notifier: notifier, Meter: d.Meter, CheckEvery: d.CheckEvery, Clock: d.Clock, Logger: d.Logger,
		},
		notifier: notifier,
		logger:   d.Logger,
	}, nil
}

// handle runs the attempt and ends the invocation with lambdareturn.Finish.
func (h *handler) handle(ctx context.Context, inv jobs.Invocation) error {
	err := h.processor.Handle(ctx, inv)
	return lambdareturn.Finish(ctx, h.notifier, h.logger, err, "job", inv.JobID)
}
