package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// widgetMetrics reads the dashboard's body and returns, by widget title,
// what each widget graphs: "Namespace MetricName Dim=Value…" for a metric,
// "expression: …" for a math expression.
func widgetMetrics(t *testing.T, tpl template) map[string][]string {
	t.Helper()
	_, dashboard := tpl.one(t, "AWS::CloudWatch::Dashboard", "Dashboard")
	if dashboard.Properties["DashboardName"] != "TestJobs" {
		t.Errorf("dashboard name %v, want the stack's, TestJobs", dashboard.Properties["DashboardName"])
	}
	var body struct {
		Widgets []struct {
			Properties struct {
				Title   string
				Metrics [][]any
			}
		}
	}
	if err := json.Unmarshal([]byte(render(dashboard.Properties["DashboardBody"])), &body); err != nil {
		t.Fatalf("dashboard body: %v", err)
	}
	widgets := map[string][]string{}
	for _, w := range body.Widgets {
		for _, m := range w.Properties.Metrics {
			var fields []string
			for _, f := range m {
				switch f := f.(type) {
				case string:
					if f != "." && f != "..." { // "." repeats the previous line's field
						fields = append(fields, f)
					}
				case map[string]any:
					if e, ok := f["expression"].(string); ok {
						fields = append(fields, "expression: "+e)
					}
				}
			}
			widgets[w.Properties.Title] = append(widgets[w.Properties.Title], strings.Join(fields, " "))
		}
	}
	return widgets
}

func TestDashboardShowsTheServiceAtAGlance(t *testing.T) {
	tpl := setup(t)
	widgets := widgetMetrics(t, tpl)
	processor, errorHandler := tpl.functionID(t, "Processor"), tpl.functionID(t, "ErrorHandler")
	archiveID, _ := tpl.one(t, "AWS::Events::Archive", "FailureBusFailureArchive")
	busID, _ := tpl.one(t, "AWS::Events::EventBus", "FailureBus")
	ruleID, _ := tpl.one(t, "AWS::Events::Rule", "FailureRedriveRule")
	want := map[string][]string{
		"API requests and errors": {"AWS/ApiGateway Count", "AWS/ApiGateway 4XXError", "AWS/ApiGateway 5XXError"},
		"API latency":             {"AWS/ApiGateway Latency"},
		"Jobs submitted by type":  {`expression: SEARCH('{TestJobs,Type} MetricName="JobsSubmitted"', 'Sum', 60)`},
		"Jobs finished by status": {"TestJobs JobsFinished Status Success", "TestJobs JobsFinished Status Failure", "TestJobs JobsFinished Status Cancelled"},
		"Attempts and retries by type": {`expression: SEARCH('{TestJobs,Type} MetricName="JobAttempts"', 'Sum', 60)`,
			`expression: SEARCH('{TestJobs,Type} MetricName="JobRetries"', 'Sum', 60)`},
		"Job times (ms)": {"TestJobs SubmitToFinish Status Success", "TestJobs RunTime Status Success", // RunTime has no Type-only set
			`expression: SEARCH('{TestJobs,Type} MetricName="QueueWait"', 'p99', 60)`},
		"Processor duration": {"AWS/Lambda Duration FunctionName ${" + processor + "}"},
		"Processor throttles and async event age": {"AWS/Lambda Throttles FunctionName ${" + processor + "}",
			"AWS/Lambda AsyncEventAge FunctionName ${" + processor + "}"},
		"Lambda errors": {"AWS/Lambda Errors FunctionName ${" + tpl.functionID(t, "Api") + "}",
			"AWS/Lambda Errors FunctionName ${" + processor + "}", "AWS/Lambda Errors FunctionName ${" + errorHandler + "}"},
		"Destination delivery failures": {"AWS/Lambda DestinationDeliveryFailures FunctionName ${" + processor + "}",
			"AWS/Lambda DestinationDeliveryFailures FunctionName ${" + errorHandler + "}"},
		"Failure records and archive": {"TestJobs FailureRecords", "TestJobs FailureRecordsUnhandled",
			"AWS/Events MatchedEvents EventBusName ${" + busID + "} RuleName Events-Archive-${" + archiveID + "}",
			"AWS/Events Invocations EventBusName ${" + busID + "} RuleName ${" + ruleID + "}",
			"AWS/Events FailedInvocations EventBusName ${" + busID + "} RuleName ${" + ruleID + "}"},
	}
	for title, metrics := range want {
		got, ok := widgets[title]
		if !ok {
			t.Errorf("no widget %q; widgets: %v", title, widgets)
			continue
		}
		for _, m := range metrics {
			if !slices.ContainsFunc(got, func(g string) bool { return g == m || strings.HasPrefix(g, m+" ") }) {
				t.Errorf("widget %q graphs\n%q\nwant among them %q", title, got, m)
			}
		}
	}
}
