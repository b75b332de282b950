package emf_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/metrics/emf"
)

// TestDashboardNamesTheseMetrics reads the CDK app's dashboard (infra/ is its
// own module, which cannot import this package) and checks that every metric
// and dimension it names is one the Meter writes.
func TestDashboardNamesTheseMetrics(t *testing.T) {
	t.Parallel()
	written := []string{
		emf.DimensionType, emf.DimensionStatus,
		emf.MetricSubmitted, emf.MetricAttempts, emf.MetricRetries, emf.MetricQueueWait,
		emf.MetricFinished, emf.MetricRunTime, emf.MetricSubmitToFinish,
		emf.MetricFailureRecords, emf.MetricFailureRecordsUnhandled,
	}
	f, err := parser.ParseFile(token.NewFileSet(), "../../infra/dashboard.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range spec.Names {
			if !strings.HasPrefix(name.Name, "metric") && !strings.HasPrefix(name.Name, "dimension") || i >= len(spec.Values) {
				continue
			}
			lit, ok := spec.Values[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			value, _ := strconv.Unquote(lit.Value)
			if strings.HasSuffix(name.Name, "Env") {
				continue // metricsNamespaceEnv: an environment variable's name
			}
			named++
			if !slices.Contains(written, value) {
				t.Errorf("the dashboard's %s = %q is no metric or dimension the Meter writes", name.Name, value)
			}
		}
		return true
	})
	if named < 9 {
		t.Errorf("found %d metric and dimension names in the dashboard; the file changed shape, update this test", named)
	}
}
