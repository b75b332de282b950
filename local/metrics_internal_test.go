package local

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/metrics/prom"
)

func TestMetricsAreServedToLoopbackPeersOnly(t *testing.T) {
	t.Parallel()
	served := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	h := loopbackOnly(served)
	for peer, want := range map[string]int{
		"127.0.0.1:9000":        http.StatusOK,
		"127.8.9.10:9000":       http.StatusOK,
		"[::1]:9000":            http.StatusOK,
		"[::ffff:127.0.0.1]:90": http.StatusOK,
		"192.0.2.7:9000":        http.StatusForbidden,
		"[2001:db8::1]:9000":    http.StatusForbidden,
		"[::ffff:192.0.2.7]:90": http.StatusForbidden,
		"localhost:9000":        http.StatusForbidden, // a peer is an address, never a name
		"garbage":               http.StatusForbidden,
	} {
		r := httptest.NewRequest(http.MethodGet, MetricsPath, nil)
		r.RemoteAddr = peer
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("peer %s: %d, want %d", peer, w.Code, want)
		}
		if want == http.StatusForbidden && w.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("peer %s refused with %q, want a problem+json", peer, w.Header().Get("Content-Type"))
		}
	}
}

func TestMetricsOffServesNoMetrics(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Addr, cfg.EventsAddr, cfg.DataDir, cfg.Auth, cfg.Metrics = "127.0.0.1:0", "127.0.0.1:0", t.TempDir(), false, false
	cfg.JobTypes = jobtypes.Config{Second: time.Millisecond, OrderStep: time.Millisecond}
	cfg.Logger = slog.New(slog.DiscardHandler)
	sys, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Shutdown(context.Background()) })
	resp, err := http.Get("http://" + sys.Addr() + MetricsPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics with metrics off: %d, want 404", resp.StatusCode)
	}
}

// fakeArchive refuses a Put when refuse is set.
type fakeArchive struct {
	refuse error
}

func (a fakeArchive) Put(context.Context, events.EventBridgeEvent) error { return a.refuse }
func (a fakeArchive) Range(context.Context, time.Time, time.Time, func(events.EventBridgeEvent) error) error {
	return nil
}

func TestArchivedEventsAreCountedOncePut(t *testing.T) {
	t.Parallel()
	m := &systemMetrics{prom: prom.New(nil)}
	ok, broken := m.archive(fakeArchive{}), m.archive(fakeArchive{refuse: errors.New("disk full")})
	for range 3 {
		_ = ok.Put(t.Context(), events.EventBridgeEvent{})
	}
	_ = broken.Put(t.Context(), events.EventBridgeEvent{})
	if got := scrapeValue(t, m.prom, "asyncjobs_archived_events_total"); got != 3 {
		t.Errorf("archived events: %v, want the 3 put", got)
	}
}

func TestRunningInvocationsAreCounted(t *testing.T) {
	t.Parallel()
	m := &systemMetrics{prom: prom.New(nil)}
	inside := make(chan float64, 1)
	h := m.runs(func(context.Context, json.RawMessage) error {
		inside <- float64(m.running.Load())
		return errors.New("failed")
	})
	if err := h(t.Context(), nil); err == nil {
		t.Error("the handler's error was lost")
	}
	if got := <-inside; got != 1 {
		t.Errorf("running while inside: %v, want 1", got)
	}
	if got := m.running.Load(); got != 0 {
		t.Errorf("running after: %v, want 0", got)
	}
}

func TestStatusWriterKeepsTheFirstStatus(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		handler http.HandlerFunc
		want    int
	}{
		"nothing written": {func(http.ResponseWriter, *http.Request) {}, http.StatusOK},
		"body only":       {func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("x")) }, http.StatusOK},
		"status":          {func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) }, http.StatusForbidden},
		"flushed stream": {func(w http.ResponseWriter, _ *http.Request) {
			w.(http.Flusher).Flush()
			w.WriteHeader(http.StatusTeapot) // too late: the stream answered 200
		}, http.StatusOK},
	} {
		sw := &recordingWriter{ResponseWriter: httptest.NewRecorder()}
		tt.handler(sw, httptest.NewRequest(http.MethodGet, "/", nil))
		if got := sw.status(); got != tt.want {
			t.Errorf("%s: status %d, want %d", name, got, tt.want)
		}
	}
}

// scrapeValue is the value of an unlabelled counter of m.
func scrapeValue(t *testing.T, m *prom.Metrics, name string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestFailedCheckpointIsLoggedAndCounted(t *testing.T) {
	t.Parallel()
	for _, metricsOn := range []bool{true, false} {
		var log syncbuf.Buffer
		var m *systemMetrics // off
		if metricsOn {
			m = &systemMetrics{prom: prom.New(nil)}
		}
		observer := m.commits(slog.New(slog.NewTextHandler(&log, nil)))
		observer.Checkpointed(10, time.Millisecond, nil)
		observer.Checkpointed(12, time.Millisecond, errors.New("disk full"))
		if got := log.String(); strings.Count(got, "level=ERROR") != 1 || !strings.Contains(got, "store checkpoint failed") ||
			!strings.Contains(got, "keys=12") || !strings.Contains(got, "disk full") {
			t.Errorf("metrics %v: log %q, want one ERROR line for the failed checkpoint", metricsOn, got)
		}
		if metricsOn {
			if got := scrapeValue(t, m.prom, "asyncjobs_store_checkpoint_failures_total"); got != 1 {
				t.Errorf("checkpoint failures counted: %v, want 1", got)
			}
		}
	}
}
