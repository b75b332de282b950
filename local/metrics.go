package local

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/handlers"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
	"github.com/asyncjobs/asyncjobs/jobs/localinvoker"
	"github.com/asyncjobs/asyncjobs/metrics/prom"
	"github.com/asyncjobs/asyncjobs/push/localevents"
)

// MetricsPath serves the metrics in Prometheus's text format, to loopback
// peers only: a scrape is not signed, so a peer elsewhere (jobsd bound to a
// public address) gets 403. Its labels name no principal and no job.
const MetricsPath = "/metrics"

// routeRedirect is the route label of GET /, which redirects to the
// console; jobsd's other own routes are labelled with their paths.
const routeRedirect = "/"

var _ handlers.RequestMeter = (*prom.Metrics)(nil)

// systemMetrics are a System's metrics; nil when Config.Metrics is off, and
// then every method gives what measures nothing.
type systemMetrics struct {
	prom    *prom.Metrics
	running atomic.Int64 // invocations in their handler
}

func newSystemMetrics(on bool, types *jobs.Registry) *systemMetrics {
	if !on {
		return nil
	}
	return &systemMetrics{prom: prom.New(types.Names())}
}

// The ports the measured parts take: nil interfaces when metrics are off.

func (m *systemMetrics) jobs() jobs.Meter {
	if m == nil {
		return nil
	}
	return m.prom
}

// commits observes the store: it logs a failed checkpoint, and gives every
// commit and checkpoint to the metrics when they are on.
func (m *systemMetrics) commits(logger *slog.Logger) boltstore.CommitObserver {
	if m == nil {
		return checkpointLog{logger: logger}
	}
	return checkpointLog{metrics: m.prom, logger: logger}
}

// checkpointLog logs failed checkpoints, which nothing else would tell of
// until jobsd stops, and passes what it hears on to metrics, if set.
type checkpointLog struct {
	metrics boltstore.CommitObserver
	logger  *slog.Logger
}

func (l checkpointLog) Committed(requests int, took time.Duration) {
	if l.metrics != nil {
		l.metrics.Committed(requests, took)
	}
}

func (l checkpointLog) Checkpointed(keys int, took time.Duration, err error) {
	if err != nil {
		l.logger.Error("store checkpoint failed: the log keeps the changes, and grows until a checkpoint succeeds",
			"keys", keys, "err", err)
	}
	if l.metrics != nil {
		l.metrics.Checkpointed(keys, took, err)
	}
}

func (m *systemMetrics) requests() handlers.RequestMeter {
	if m == nil {
		return nil
	}
	return m.prom
}

// read registers what is read from the running parts at each scrape.
func (m *systemMetrics) read(s *System) {
	if m == nil {
		return
	}
	m.prom.Read(prom.Sources{
		Accepted:    s.invoker.Pending,
		Running:     func() int { return int(m.running.Load()) },
		Capacity:    s.cfg.QueueSize,
		PushDropped: s.pusher.Dropped,
		Events:      func() localevents.Stats { return s.events.server.Stats() },
	})
}

// runs counts the invocations in h while they run.
func (m *systemMetrics) runs(h localinvoker.Handler) localinvoker.Handler {
	if m == nil {
		return h
	}
	return func(ctx context.Context, payload json.RawMessage) error {
		m.running.Add(1)
		defer m.running.Add(-1)
		return h(ctx, payload)
	}
}

// receives counts the failure records that reach the error handler.
func (m *systemMetrics) receives(handle func(context.Context, destination.Record) error) func(context.Context, destination.Record) error {
	if m == nil {
		return handle
	}
	return func(ctx context.Context, rec destination.Record) error {
		m.prom.RecordDelivered(rec.RequestContext.Condition)
		return handle(ctx, rec)
	}
}

// archive counts the events archived through a.
func (m *systemMetrics) archive(a errorhandling.Archive) errorhandling.Archive {
	if m == nil {
		return a
	}
	return countingArchive{Archive: a, metrics: m.prom}
}

type countingArchive struct {
	errorhandling.Archive
	metrics *prom.Metrics
}

func (a countingArchive) Put(ctx context.Context, e events.EventBridgeEvent) error {
	err := a.Archive.Put(ctx, e)
	if err == nil {
		a.metrics.EventArchived()
	}
	return err
}

// route measures h's answers under a fixed route label.
func (m *systemMetrics) route(label string, h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &recordingWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		m.prom.Answered(r.Method, label, sw.status(), time.Since(start))
	})
}

// serve adds the metrics route to routes.
func (m *systemMetrics) serve(routes *http.ServeMux, logger *slog.Logger) {
	if m == nil {
		return
	}
	routes.Handle("GET "+MetricsPath, m.route(MetricsPath, loggedAccess(logger, MetricsPath, loopbackOnly(m.prom.Handler()))))
}

// loopbackOnly refuses h to a peer that is not on this machine.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackPeer(r.RemoteAddr) {
			writeProblem(w, r, http.StatusForbidden,
				"the metrics are served to loopback peers only (scrapes are not signed): scrape them from this machine")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// loopbackPeer reports whether a request's remote address is a loopback one.
func loopbackPeer(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
