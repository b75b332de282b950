package local_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/local"
)

// tally is an HTTP client that counts its answers by method, route
// template and status, as jobsd's metrics should.
type tally struct {
	t      *testing.T
	base   string
	mu     sync.Mutex
	counts map[string]int // "METHOD route code"
}

// route is the template of path among the routes the test calls.
func route(path string) string {
	switch {
	case path == "/jobs" || path == local.MetricsPath:
		return path
	case strings.HasPrefix(path, "/jobs/"):
		return "/jobs/:id"
	}
	panic("the test calls no route for " + path)
}

// do sends a request and returns its status and body.
func (c *tally) do(method, path, body string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.counts[fmt.Sprintf("%s %s %d", method, route(req.URL.Path), resp.StatusCode)]++
	c.mu.Unlock()
	return resp.StatusCode, raw
}

// job sends a request that answers a job, checks its status and decodes it.
func (c *tally) job(method, path, body string, want int) jobJSON {
	c.t.Helper()
	code, raw := c.do(method, path, body)
	var j jobJSON
	if code != want || json.Unmarshal(raw, &j) != nil {
		c.t.Fatalf("%s %s: %d %s, want %d with a job", method, path, code, raw, want)
	}
	return j
}

// waitUntil asks for the job (long-polling once it is not wanted yet) until
// done says it is as wanted.
func (c *tally) waitUntil(id string, done func(jobJSON) bool) jobJSON {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for wait := "?wait=0"; time.Now().Before(deadline); wait = "?wait=1" {
		if j := c.job(http.MethodGet, "/jobs/"+id+wait, "", http.StatusOK); done(j) {
			return j
		}
	}
	c.t.Fatalf("job %s never got as wanted", id)
	return jobJSON{}
}

func terminal(j jobJSON) bool { return jobs.Status(j.Status).Terminal() }

// scrape reads /metrics and parses it with Prometheus's text parser.
func (c *tally) scrape() metricFamilies {
	c.t.Helper()
	code, raw := c.do(http.MethodGet, local.MetricsPath, "")
	if code != http.StatusOK {
		c.t.Fatalf("GET /metrics: %d %s", code, raw)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(raw)))
	if err != nil {
		c.t.Fatalf("the metrics do not parse: %v\n%s", err, raw)
	}
	return metricFamilies{t: c.t, families: families}
}

// settle scrapes until no invocation is queued or running, which ends
// after the jobs' last commits, and until done, if set, holds.
func (c *tally) settle(done func(metricFamilies) bool) metricFamilies {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := c.scrape()
		if m.value("asyncjobs_invocations_accepted")+m.value("asyncjobs_invocations_running") == 0 && (done == nil || done(m)) {
			return m
		}
		if time.Now().After(deadline) {
			c.t.Fatal("the invocations never ended, or what the test waits for never came")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type metricFamilies struct {
	t        *testing.T
	families map[string]*dto.MetricFamily
}

// find is the metric of family name whose labels are labels (name, value,
// …), or nil.
func (m metricFamilies) find(name string, labels ...string) *dto.Metric {
	m.t.Helper()
	f, ok := m.families[name]
	if !ok {
		m.t.Fatalf("no metric family %s", name)
	}
next:
	for _, metric := range f.GetMetric() {
		if len(metric.GetLabel())*2 != len(labels) {
			continue
		}
		for _, l := range metric.GetLabel() {
			found := false
			for i := 0; i+1 < len(labels); i += 2 {
				found = found || (labels[i] == l.GetName() && labels[i+1] == l.GetValue())
			}
			if !found {
				continue next
			}
		}
		return metric
	}
	return nil
}

// value is the value of a counter or gauge, 0 when the series is absent;
// of a histogram, its count.
func (m metricFamilies) value(name string, labels ...string) float64 {
	m.t.Helper()
	metric := m.find(name, labels...)
	switch {
	case metric == nil:
		return 0
	case metric.Counter != nil:
		return metric.GetCounter().GetValue()
	case metric.Gauge != nil:
		return metric.GetGauge().GetValue()
	case metric.Histogram != nil:
		return float64(metric.GetHistogram().GetSampleCount())
	}
	m.t.Fatalf("%s%v is neither a counter, a gauge nor a histogram", name, labels)
	return 0
}

// TestMetricsCountWhatIsDriven drives jobs through success, failure after a
// retry, cancellation and a full queue, with a subscriber listening to one
// job, then scrapes /metrics and checks that each series moved by exactly
// what was driven, and that no label names a job or a principal.
func TestMetricsCountWhatIsDriven(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.Workers, cfg.QueueSize, cfg.MaxRetries = 2, 2, 1
	cfg.JobTypes.OrderStep = time.Hour // an order runs until it is cancelled
	sys, base := start(t, cfg)
	c := &tally{t: t, base: base, counts: map[string]int{}}
	var ids []string
	run := func(body, status string) {
		j := c.job(http.MethodPost, "/jobs", body, http.StatusAccepted)
		ids = append(ids, j.ID)
		if got := c.waitUntil(j.ID, terminal); got.Status != status {
			t.Fatalf("job %s: %s, want %s", body, got.Status, status)
		}
	}
	run(`{"seconds":1}`, "Success")
	run(`{"seconds":2}`, "Success")
	run(`{"type":"noop"}`, "Success")
	run(`{"seconds":301}`, "Failure") // after a retry: SecondsAboveLimit is not permanent
	// The error handler's invocation holds a place in the queue until it returns.
	c.settle(nil)

	// Two orders fill the queue; a submission beyond it is refused.
	var orders []string
	for i := range 2 {
		j := c.job(http.MethodPost, "/jobs", fmt.Sprintf(`{"type":"order","parameters":{"orderId":"o-%d"}}`, i), http.StatusAccepted)
		orders = append(orders, j.ID)
	}
	ids = append(ids, orders...)
	const refused = 2
	for range refused {
		if code, raw := c.do(http.MethodPost, "/jobs", `{"seconds":1}`); code != http.StatusServiceUnavailable {
			t.Fatalf("POST over a full queue: %d %s, want 503", code, raw)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	subscriber := dialEvents(ctx, t, sys, cfg.EventsAPIKey)
	if m := subscriber.subscribe("s", "/jobs/"+orders[0]); m.Type != "subscribe_success" {
		t.Fatalf("subscribe: %s", m.raw)
	}
	for _, id := range orders {
		c.waitUntil(id, func(j jobJSON) bool { return j.Status == "Running" })
		c.job(http.MethodDelete, "/jobs/"+id, "", http.StatusOK)
		if got := c.waitUntil(id, terminal); got.Status != "Cancelled" {
			t.Fatalf("order %s: %s, want Cancelled", id, got.Status)
		}
	}
	for {
		m := subscriber.next()
		var e struct{ Status string }
		if json.Unmarshal([]byte(m.Event), &e); e.Status == "Cancelled" {
			break
		}
	}

	// The push notifier counts after the subscriber may have heard.
	m := c.settle(func(m metricFamilies) bool { return m.value("asyncjobs_events_published_total") >= 1 })

	c.mu.Lock()
	if c.counts["GET /metrics 200"]--; c.counts["GET /metrics 200"] == 0 { // the last scrape is counted after its answer
		delete(c.counts, "GET /metrics 200")
	}
	httpWant := c.counts
	c.mu.Unlock()
	type series struct {
		name   string
		labels []string
		want   float64
	}
	checks := []series{
		{"asyncjobs_jobs_submitted_total", []string{"type", "sleep"}, 3},
		{"asyncjobs_jobs_submitted_total", []string{"type", "noop"}, 1},
		{"asyncjobs_jobs_submitted_total", []string{"type", "order"}, 2},
		{"asyncjobs_jobs_submitted_total", []string{"type", "fullname"}, 0},
		{"asyncjobs_jobs_finished_total", []string{"type", "sleep", "status", "Success"}, 2},
		{"asyncjobs_jobs_finished_total", []string{"type", "sleep", "status", "Failure"}, 1},
		{"asyncjobs_jobs_finished_total", []string{"type", "noop", "status", "Success"}, 1},
		{"asyncjobs_jobs_finished_total", []string{"type", "order", "status", "Cancelled"}, 2},
		{"asyncjobs_jobs_finished_total", []string{"type", "order", "status", "Success"}, 0},
		{"asyncjobs_job_attempts_total", []string{"type", "sleep"}, 4},
		{"asyncjobs_job_attempts_total", []string{"type", "noop"}, 1},
		{"asyncjobs_job_attempts_total", []string{"type", "order"}, 2},
		{"asyncjobs_job_retries_total", []string{"type", "sleep"}, 1},
		{"asyncjobs_job_retries_total", []string{"type", "order"}, 0},
		{"asyncjobs_job_queue_wait_seconds", []string{"type", "sleep"}, 3},
		{"asyncjobs_job_queue_wait_seconds", []string{"type", "order"}, 2},
		{"asyncjobs_job_run_seconds", []string{"type", "sleep"}, 3},
		{"asyncjobs_job_run_seconds", []string{"type", "order"}, 2},
		{"asyncjobs_job_turnaround_seconds", []string{"type", "sleep"}, 3},
		{"asyncjobs_job_turnaround_seconds", []string{"type", "noop"}, 1},
		{"asyncjobs_job_turnaround_seconds", []string{"type", "order"}, 2},
		{"asyncjobs_destination_records_total", []string{"condition", jobs.ConditionRetriesExhausted}, 1},
		{"asyncjobs_destination_records_total", []string{"condition", jobs.ConditionEventAgeExceeded}, 0},
		{"asyncjobs_archived_events_total", nil, 0},
		{"asyncjobs_invocations_capacity", nil, 2},
		{"asyncjobs_events_connections", nil, 1},
		{"asyncjobs_events_subscriptions", nil, 1},
		{"asyncjobs_events_slow_consumers_dropped_total", nil, 0},
		{"asyncjobs_push_changes_dropped_total", nil, 0},
	}
	for key, n := range httpWant {
		var method, path, code string
		fmt.Sscan(key, &method, &path, &code)
		labels := []string{"method", method, "route", path, "code", code}
		checks = append(checks,
			series{"asyncjobs_http_requests_total", labels, float64(n)},
			series{"asyncjobs_http_request_duration_seconds", labels, float64(n)})
	}
	for _, s := range checks {
		if got := m.value(s.name, s.labels...); got != s.want {
			t.Errorf("%s%v = %v, want %v", s.name, s.labels, got, s.want)
		}
	}
	if got := len(m.families["asyncjobs_http_requests_total"].GetMetric()); got != len(httpWant) {
		t.Errorf("%d HTTP series, want the %d the test made: %v", got, len(httpWant), httpWant)
	}
	if batches := m.value("asyncjobs_store_commit_batch_requests"); batches < 1 {
		t.Errorf("%v store commits observed, want some", batches)
	}
	if commits, batches := m.value("asyncjobs_store_commit_duration_seconds"), m.value("asyncjobs_store_commit_batch_requests"); commits != batches {
		t.Errorf("%v commit durations and %v batch sizes observed, want one of each per commit", commits, batches)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := m.families[name]; !ok {
			t.Errorf("no %s: the runtime and process collectors are missing", name)
		}
	}
	secret := append([]string{sigv4.DevPrincipal, cfg.Credentials[0].Principal}, ids...)
	for name, f := range m.families {
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				for _, s := range secret {
					if strings.Contains(l.GetValue(), s) {
						t.Errorf("%s has label %s=%q, which names a job or a principal", name, l.GetName(), l.GetValue())
					}
				}
			}
		}
	}
}
