package prom

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// httpBuckets span an answer's time from half a millisecond to a long
// wait (Prefer: wait) of 30 seconds and beyond.
var httpBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// The status codes an answer may have: 100 to 599.
const (
	firstCode = 100
	codes     = 500
)

// answerSeries are the children of one method, route and status code.
type answerSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// routeSeries holds the answers of one method and route by status code,
// each resolved on its first use.
type routeSeries struct {
	byCode [codes]atomic.Pointer[answerSeries]
}

type routeKey struct{ method, route string }

// httpMetrics are the request meter's series. The routes seen are kept in a
// map replaced on each new route (copy on write), so that answering reads it
// without a lock: routes are few and all seen soon after the start.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	routes   atomic.Pointer[map[routeKey]*routeSeries]
	mu       sync.Mutex // serialises the routes' copies
}

func newHTTPMetrics(r prometheus.Registerer) *httpMetrics {
	labels := []string{"method", "route", "code"}
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "Requests answered, by method, route template and status code.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help: "Time from a request's arrival at the router to its answer, by method, route template and status code.", Buckets: httpBuckets,
		}, labels),
	}
	r.MustRegister(m.requests, m.duration)
	m.routes.Store(&map[routeKey]*routeSeries{})
	return m
}

// Answered counts an answered request. route is a template (the route that
// matched, never the path); method is reported as sent when it is a
// standard one, else as "other".
func (m *Metrics) Answered(method, route string, status int, took time.Duration) {
	s := m.http.answer(routeKey{method: standardMethod(method), route: route}, status)
	s.requests.Inc()
	s.duration.Observe(took.Seconds())
}

func (m *httpMetrics) answer(key routeKey, status int) *answerSeries {
	rs := (*m.routes.Load())[key]
	if rs == nil {
		rs = m.addRoute(key)
	}
	if status < firstCode || status >= firstCode+codes {
		return m.resolve(key, status) // not an HTTP status: never in practice
	}
	slot := &rs.byCode[status-firstCode]
	if s := slot.Load(); s != nil {
		return s
	}
	s := m.resolve(key, status)
	slot.Store(s) // a racing resolve stores the same children
	return s
}

func (m *httpMetrics) resolve(key routeKey, status int) *answerSeries {
	code := strconv.Itoa(status)
	return &answerSeries{
		requests: m.requests.WithLabelValues(key.method, key.route, code),
		duration: m.duration.WithLabelValues(key.method, key.route, code),
	}
}

func (m *httpMetrics) addRoute(key routeKey) *routeSeries {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.routes.Load()
	if rs, ok := old[key]; ok {
		return rs
	}
	routes := make(map[routeKey]*routeSeries, len(old)+1)
	for k, v := range old {
		routes[k] = v
	}
	rs := &routeSeries{}
	routes[key] = rs
	m.routes.Store(&routes)
	return rs
}

// standardMethod is method if it is one of HTTP's registered methods,
// else "other": a client chooses the method, and labels must stay bounded.
func standardMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return otherLabel
}
