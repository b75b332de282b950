package emftest_test

import (
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/metrics/emf/emftest"
)

// ok is a valid line; each case breaks one rule of the specification.
const ok = `{"_aws":{"Timestamp":1764403200000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Type"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"Type":"t","M":1}`

func TestParseRefusesWhatTheSpecificationDoes(t *testing.T) {
	t.Parallel()
	if _, err := emftest.Parse([]byte(ok + "\n")); err != nil {
		t.Fatalf("the valid line: %v", err)
	}
	for name, line := range map[string]string{
		"not JSON":                 ok[:40],
		"text after":               ok + " x",
		"no _aws":                  `{"M":1}`,
		"timestamp a string":       strings.Replace(ok, `1764403200000`, `"1764403200000"`, 1),
		"timestamp missing":        strings.Replace(ok, `"Timestamp":1764403200000,`, ``, 1),
		"unknown metadata member":  strings.Replace(ok, `"Timestamp"`, `"Extra":1,"Timestamp"`, 1),
		"no namespace":             strings.Replace(ok, `"Namespace":"N",`, ``, 1),
		"dimension not a member":   strings.Replace(ok, `"Type":"t",`, ``, 1),
		"dimension not a string":   strings.Replace(ok, `"Type":"t"`, `"Type":1`, 1),
		"metric not a member":      strings.Replace(ok, `,"M":1`, ``, 1),
		"metric value a string":    strings.Replace(ok, `"M":1`, `"M":"1"`, 1),
		"101 values":               strings.Replace(ok, `"M":1`, `"M":[`+strings.Repeat("1,", 100)+`1]`, 1),
		"unit not CloudWatch's":    strings.Replace(ok, `"Count"`, `"ms"`, 1),
		"metric without a name":    strings.Replace(ok, `"Name":"M",`, ``, 1),
		"no Metrics":               strings.Replace(ok, `,"Metrics":[{"Name":"M","Unit":"Count"}]`, ``, 1),
		"31 dimensions in one set": strings.Replace(ok, `["Type"]`, `["Type"`+strings.Repeat(`,"Type"`, 30)+`]`, 1),
	} {
		if _, err := emftest.Parse([]byte(line)); err == nil {
			t.Errorf("%s: accepted %s", name, line)
		}
	}
	if lines, err := emftest.Parse([]byte(strings.Replace(ok, `"M":1`, `"M":[1,2.5]`, 1))); err != nil || len(lines[0].Values["M"]) != 2 {
		t.Errorf("an array of values: %+v, %v", lines, err)
	}
}
