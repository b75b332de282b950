package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/jobs/memstore"
)

// invoker accepts every job, or refuses every job with err.
type invoker struct{ err error }

func (i invoker) Invoke(context.Context, string) error { return i.err }

// quiet is a Notifier and a Watcher that hear nothing.
type quiet struct{}

func (quiet) Notify(jobs.Job) {}

func (quiet) Watch(context.Context, string) (<-chan jobs.Change, func()) { return nil, func() {} }

type fixedClock struct{}

func (fixedClock) Now() time.Time { return epoch }

type sleepParameters struct {
	Seconds *int `json:"seconds" validate:"required,min=1"`
}

// setupReal returns the API over a real *jobs.Service with job types sleep and
// noop, whose dispatches fail with invokeErr, and the store behind it.
func setupReal(t testing.TB, invokeErr error) (http.Handler, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	return setupRealOver(t, store, invokeErr), store
}

// setupRealOver is setupReal over the given store.
func setupRealOver(t testing.TB, store jobs.Store, invokeErr error) http.Handler {
	t.Helper()
	return New(Config{Service: realService(t, store, invokeErr)})
}

// realService is the *jobs.Service of setupRealOver.
func realService(t testing.TB, store jobs.Store, invokeErr error) *jobs.Service {
	t.Helper()
	return meteredService(t, store, invokeErr, nil)
}

// meteredService is realService telling meter, if set, of its jobs.
func meteredService(t testing.TB, store jobs.Store, invokeErr error, meter jobs.Meter) *jobs.Service {
	t.Helper()
	types, err := jobs.NewRegistry(
		jobs.Define("sleep", time.Minute, func(context.Context, sleepParameters, jobs.Reporter) (any, error) { return nil, nil }),
		jobs.Define("noop", time.Minute, func(context.Context, struct{}, jobs.Reporter) (any, error) { return nil, nil }),
	)
	if err != nil {
		t.Fatal(err)
	}
	var ids atomic.Int64
	return jobs.NewService(jobs.ServiceConfig{
		Store: store, Types: types, Invoker: invoker{err: invokeErr}, Notifier: quiet{}, Watcher: quiet{},
		Clock: fixedClock{}, Retention: time.Hour, Logger: slog.New(slog.DiscardHandler), Encode: jobjson.Append,
		NewID:     func() string { return fmt.Sprintf("0000-%d", ids.Add(1)) },
		CursorKey: []byte("the handlers' tests' cursor key."), Meter: meter,
	})
}
