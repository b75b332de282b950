package prom

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// labelValues are the values each label of name takes in m's scrape.
func labelValues(t *testing.T, m *Metrics, name string) map[string][]string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := families[name]
	if !ok {
		t.Fatalf("no %s in the scrape", name)
	}
	values := map[string][]string{}
	for _, metric := range f.GetMetric() {
		for _, l := range metric.GetLabel() {
			values[l.GetName()] = append(values[l.GetName()], l.GetValue())
		}
	}
	return values
}

func TestLabelValuesStayBounded(t *testing.T) {
	t.Parallel()
	m := New([]string{"sleep"})
	m.Submitted("made-up-type-" + strings.Repeat("x", 10))
	m.Finished("sleep", jobs.Status("Weird"), time.Second, time.Second)
	m.RecordDelivered("SomethingNew")
	m.Answered("BREW", "/jobs", http.StatusTeapot, time.Millisecond)
	m.Answered(http.MethodGet, "/jobs/:id", 99, time.Millisecond)

	for name, want := range map[string]map[string]string{
		"asyncjobs_jobs_submitted_total":      {"type": "other sleep"},
		"asyncjobs_destination_records_total": {"condition": "EventAgeExceeded RetriesExhausted other"},
		"asyncjobs_http_requests_total":       {"method": "GET other", "route": "/jobs /jobs/:id", "code": "418 99"},
	} {
		got := labelValues(t, m, name)
		for label, values := range want {
			slices.Sort(got[label])
			if strings.Join(got[label], " ") != values {
				t.Errorf("%s: %s takes %v, want %s", name, label, got[label], values)
			}
		}
	}
	if got := labelValues(t, m, "asyncjobs_jobs_finished_total")["status"]; strings.Contains(strings.Join(got, " "), "Weird") {
		t.Errorf("a status outside the terminal ones became a label: %v", got)
	}
}
