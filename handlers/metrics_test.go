package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs/memstore"
	"github.com/asyncjobs/asyncjobs/metrics/prom"
)

// answers records what a RequestMeter hears, without the durations.
type answers struct {
	mu   sync.Mutex
	got  []string // "METHOD route status"
	took []time.Duration
}

func (a *answers) Answered(method, route string, status int, took time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, fmt.Sprintf("%s %s %d", method, route, status))
	a.took = append(a.took, took)
}

func TestRequestMeterHearsRouteTemplatesAndStatuses(t *testing.T) {
	t.Parallel()
	meter := &answers{}
	h := New(Config{Service: realService(t, memstore.New(), nil), Requests: meter})
	location := submitNoop(t, h).Header().Get("Location")
	for _, req := range []struct{ method, target string }{
		{http.MethodGet, location},
		{http.MethodGet, "/jobs/not-a-job"},
		{http.MethodGet, "/nothing-here/" + location},
		{http.MethodPut, "/jobs"},
		{"BREW", "/jobs"},
		{http.MethodGet, "/healthz"},
	} {
		serve(t, h, req.method, req.target, "", nil)
	}
	want := []string{
		"POST /jobs 202",
		"GET /jobs/:id 200",
		"GET /jobs/:id 404",
		"GET unmatched 404",
		"PUT unmatched 405",
		"BREW unmatched 405",
		"GET /healthz 200",
	}
	meter.mu.Lock()
	defer meter.mu.Unlock()
	if !slices.Equal(meter.got, want) {
		t.Errorf("the meter heard\n%s\nwant\n%s", strings.Join(meter.got, "\n"), strings.Join(want, "\n"))
	}
	for i, d := range meter.took {
		if d <= 0 {
			t.Errorf("answer %d took %s, want a positive time", i, d)
		}
	}
}

// BenchmarkAPIMetrics is BenchmarkAPI's store=encoded without metrics and
// with jobsd's Prometheus metrics (the request meter and the jobs.Meter),
// side by side: the cost of the metrics on the API's path.
func BenchmarkAPIMetrics(b *testing.B) {
	for _, metered := range []bool{false, true} {
		b.Run(fmt.Sprintf("metrics=%v", metered), func(b *testing.B) {
			store := &encodingStore{Store: memstore.New()}
			if !metered {
				benchmarkRequests(b, New(Config{Service: realService(b, store, nil)}))
				return
			}
			m := prom.New([]string{"noop", "sleep"})
			benchmarkRequests(b, New(Config{Service: meteredService(b, store, nil, m), Requests: m}))
		})
	}
}
