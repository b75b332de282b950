// Package prom is jobsd's Prometheus adapter: one registry per running
// system, holding the Go runtime and process collectors and the service's
// own metrics, and the handler that serves them in Prometheus's text format.
// Metrics implements jobs.Meter, the HTTP engine's request meter and the
// store's commit observer; the other parts' counts are read at each scrape
// from the Stats they keep (see Sources).
//
// Every metric is named asyncjobs_…, with its unit in the name. Label values
// are bounded and name no caller and no job: job types from the registry
// (any other is "other"), statuses, route templates, standard methods,
// status codes, function names and failure conditions.
package prom

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric of the service.
const namespace = "asyncjobs"

// otherLabel stands for a label value outside the bounded set a metric takes.
const otherLabel = "other"

// Metrics is the registry of one system and the metrics it updates.
type Metrics struct {
	registry *prometheus.Registry
	jobs     jobMetrics
	http     *httpMetrics
	store    storeMetrics
	failures failureMetrics
}

// New registers the metrics of a system whose job types are jobTypes.
func New(jobTypes []string) *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m := &Metrics{registry: r}
	m.jobs = newJobMetrics(r, jobTypes)
	m.http = newHTTPMetrics(r)
	m.store = newStoreMetrics(r)
	m.failures = newFailureMetrics(r)
	return m
}

// Handler serves the registry in Prometheus's text format (or what the
// scraper negotiates). A metric that fails to be gathered is left out and
// the rest still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry is where the metrics are registered, for a caller's own.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }
