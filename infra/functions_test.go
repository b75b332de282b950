package main

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestFunctionsAreGoOnArm64(t *testing.T) {
	tpl := setup(t)
	functions := tpl.ofType("AWS::Lambda::Function")
	if len(functions) != 3 {
		t.Errorf("want 3 functions, got %d: %v", len(functions), slices.Collect(maps.Keys(functions)))
	}
	for id, fn := range functions {
		p := fn.Properties
		if p["Runtime"] != "provided.al2023" || !same(p["Architectures"], []string{"arm64"}) || p["Handler"] != "bootstrap" {
			t.Errorf("%s: runtime %v, architectures %v, handler %v; want provided.al2023, [arm64], bootstrap",
				id, p["Runtime"], p["Architectures"], p["Handler"])
		}
		logging, _ := p["LoggingConfig"].(map[string]any)
		logGroup, ok := tpl.Resources[refID(logging["LogGroup"])]
		if !ok || logGroup.Properties["RetentionInDays"] != float64(defaultLogRetention) {
			t.Errorf("%s: logs to %v, want a log group kept %d days", id, logging["LogGroup"], defaultLogRetention)
		}
	}
}

func TestFunctionSettings(t *testing.T) {
	tpl := setup(t)
	tableID, _ := tpl.one(t, "AWS::DynamoDB::Table", "JobsTable")
	eventsAPIID, _ := tpl.one(t, "AWS::AppSync::Api", "JobEventsApi")
	shared := map[string]string{
		"JOBS_TABLE_NAME":           "${" + tableID + "}",
		"JOBS_EVENTS_HTTP_ENDPOINT": "https://${" + eventsAPIID + ".Dns.Http}/event",
		"JOBS_EVENTS_NAMESPACE":     "jobs",
		"JOBS_METRICS_NAMESPACE":    "TestJobs", // the stack's name
	}
	apiEnv := maps.Clone(shared)
	apiEnv["JOBS_PROCESSOR_FUNCTION_NAME"] = "${" + tpl.functionID(t, "Processor") + "}"
	apiEnv["JOBS_EVENTS_REALTIME_ENDPOINT"] = "wss://${" + eventsAPIID + ".Dns.Realtime}/event/realtime"
	apiEnv["JOBS_RETENTION"] = "168h"
	invokeRoleID, _ := tpl.one(t, "AWS::IAM::Role", "JobsAPIInvokeRole")
	apiEnv["JOBS_INVOKE_ROLE_ARN"] = "${" + invokeRoleID + ".Arn}"

	for _, tc := range []struct {
		name       string
		env        map[string]string
		minTimeout float64
		maxTimeout float64
	}{
		{"Api", apiEnv, 25, 29},         // Prefer: wait=25 fits; API Gateway gives up at 29 s
		{"Processor", shared, 310, 900}, // the sleep job may take 300 s + slack
		{"ErrorHandler", shared, 10, 900},
	} {
		fn := tpl.Resources[tpl.functionID(t, tc.name)].Properties
		vars, _ := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
		got := map[string]string{}
		for k, v := range vars {
			got[k] = render(v)
		}
		if !maps.Equal(got, tc.env) {
			t.Errorf("%s: environment\n%v\nwant\n%v", tc.name, got, tc.env)
		}
		if timeout := fn["Timeout"].(float64); timeout < tc.minTimeout || timeout > tc.maxTimeout {
			t.Errorf("%s: timeout %v s, want %v to %v", tc.name, timeout, tc.minTimeout, tc.maxTimeout)
		}
	}
}

// accepts says whether CloudFormation takes value for the parameter: its
// AllowedPattern, AllowedValues, MinValue and MaxValue.
func accepts(param map[string]any, value string) bool {
	if pattern, ok := param["AllowedPattern"].(string); ok && !regexp.MustCompile(pattern).MatchString(value) {
		return false
	}
	if allowed, ok := param["AllowedValues"].([]any); ok && !slices.Contains(allowed, any(value)) {
		return false
	}
	if param["Type"] == "Number" {
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return false
		}
		if lo, ok := param["MinValue"].(float64); ok && n < lo {
			return false
		}
		if hi, ok := param["MaxValue"].(float64); ok && n > hi {
			return false
		}
	}
	return true
}

func TestProcessorReservedConcurrencyIsAParameter(t *testing.T) {
	tpl := setup(t)
	param, ok := tpl.Parameters["ProcessorReservedConcurrency"]
	if !ok || !same(param["Default"], "-1") && !same(param["Default"], -1) {
		t.Fatalf("parameter ProcessorReservedConcurrency = %v, want one defaulting to -1", param)
	}
	// Lambda sends every async event of a function with reserved concurrency
	// 0 to its on-failure destination without retries: every queued job
	// would be recorded as Failure. So 0, however written, is refused.
	for value, want := range map[string]bool{
		"-1": true, "1": true, "10": true, "1000": true,
		"0": false, "00": false, "-0": false, "0.0": false, "": false, "-2": false, "1.5": false, "x": false,
	} {
		if got := accepts(param, value); got != want {
			t.Errorf("ProcessorReservedConcurrency=%q accepted: %v, want %v", value, got, want)
		}
	}
	if description, _ := param["Description"].(string); strings.Contains(description, "pauses") || !strings.Contains(description, "0 is refused") {
		t.Errorf("description %q: want it to say that 0 is refused, not that it pauses", description)
	}

	want := map[string]any{"Fn::If": []any{"ProcessorConcurrencyReserved", ref("ProcessorReservedConcurrency"), ref("AWS::NoValue")}}
	processor := tpl.Resources[tpl.functionID(t, "Processor")].Properties
	if !same(processor["ReservedConcurrentExecutions"], want) {
		t.Errorf("processor ReservedConcurrentExecutions = %v, want %v", processor["ReservedConcurrentExecutions"], want)
	}
	condition := map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{ref("ProcessorReservedConcurrency"), "-1"}}}}
	if !same(tpl.Conditions["ProcessorConcurrencyReserved"], condition) {
		t.Errorf("condition = %v, want %v", tpl.Conditions["ProcessorConcurrencyReserved"], condition)
	}
	for _, name := range []string{"Api", "ErrorHandler"} {
		if c := tpl.Resources[tpl.functionID(t, name)].Properties["ReservedConcurrentExecutions"]; c != nil {
			t.Errorf("%s reserves concurrency %v", name, c)
		}
	}
}

func TestFailureDestinationsChain(t *testing.T) {
	tpl := setup(t)
	processor, errorHandler := tpl.functionID(t, "Processor"), tpl.functionID(t, "ErrorHandler")
	busID, _ := tpl.one(t, "AWS::Events::EventBus", "FailureBus")
	configs := tpl.ofType("AWS::Lambda::EventInvokeConfig")
	if len(configs) != 2 {
		t.Errorf("want 2 event invoke configs, got %d", len(configs))
	}
	want := map[string]any{ // function → its on-failure destination
		processor:    getAtt(errorHandler, "Arn"),
		errorHandler: getAtt(busID, "Arn"),
	}
	for id, c := range configs {
		p := c.Properties
		fn := refID(p["FunctionName"])
		destination, ok := want[fn]
		if !ok {
			t.Errorf("%s configures %s, which is neither the processor nor the error handler", id, fn)
			continue
		}
		delete(want, fn)
		got := p["DestinationConfig"].(map[string]any)["OnFailure"].(map[string]any)["Destination"]
		if !same(got, destination) {
			t.Errorf("%s: on failure → %v, want %v", fn, got, destination)
		}
		if p["MaximumRetryAttempts"] != float64(0) || p["MaximumEventAgeInSeconds"] != float64(21600) || p["Qualifier"] != "$LATEST" {
			t.Errorf("%s: retries %v, max age %v, qualifier %v; want 0, 21600, $LATEST",
				fn, p["MaximumRetryAttempts"], p["MaximumEventAgeInSeconds"], p["Qualifier"])
		}
	}
	if len(want) > 0 {
		t.Errorf("no event invoke config for %v", slices.Collect(maps.Keys(want)))
	}
}
