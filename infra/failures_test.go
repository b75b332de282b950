package main

import (
	"testing"
)

func TestFailureBusArchivesFailureRecords(t *testing.T) {
	tpl := setup(t)
	busID, bus := tpl.one(t, "AWS::Events::EventBus", "FailureBus")
	if bus.Properties["Name"] != "TestJobs-failures" {
		t.Errorf("bus name %v, want TestJobs-failures (the stack's name)", bus.Properties["Name"])
	}
	_, archive := tpl.one(t, "AWS::Events::Archive", "FailureBusFailureArchive")
	p := archive.Properties
	if !same(p["SourceArn"], getAtt(busID, "Arn")) {
		t.Errorf("archive source %v, want the failure bus", p["SourceArn"])
	}
	pattern := map[string]any{"source": []string{"lambda"}, "detail-type": []string{"Lambda Function Invocation Result - Failure"}}
	if !same(p["EventPattern"], pattern) {
		t.Errorf("archive pattern %v, want %v", p["EventPattern"], pattern)
	}
	if p["RetentionDays"] != float64(0) {
		t.Errorf("archive retention %v days, want 0 (indefinite)", p["RetentionDays"])
	}
}

func TestReplayedFailuresAreRedrivenToTheErrorHandler(t *testing.T) {
	tpl := setup(t)
	busID, _ := tpl.one(t, "AWS::Events::EventBus", "FailureBus")
	errorHandler := tpl.functionID(t, "ErrorHandler")
	rules := tpl.ofType("AWS::Events::Rule")
	if len(rules) != 1 {
		t.Fatalf("want 1 rule, got %d", len(rules))
	}
	ruleID, rule := tpl.one(t, "AWS::Events::Rule", "FailureRedriveRule")
	p := rule.Properties
	if !same(p["EventBusName"], ref(busID)) || p["State"] != "ENABLED" {
		t.Errorf("rule on %v (%v), want enabled on the failure bus", p["EventBusName"], p["State"])
	}
	pattern := map[string]any{
		"replay-name": []any{map[string]any{"exists": true}}, // only replays: a fresh failure does not loop
		"source":      []string{"lambda"},
		"detail-type": []string{"Lambda Function Invocation Result - Failure"},
	}
	if !same(p["EventPattern"], pattern) {
		t.Errorf("rule pattern %v, want %v", p["EventPattern"], pattern)
	}
	targets := list(p["Targets"])
	if len(targets) != 1 {
		t.Fatalf("want 1 target, got %v", targets)
	}
	target := targets[0].(map[string]any)
	if !same(target["Arn"], getAtt(errorHandler, "Arn")) || target["InputPath"] != "$.detail" {
		t.Errorf("target %v, want the error handler with InputPath $.detail (the destination record)", target)
	}

	allowed := false
	for _, perm := range tpl.ofType("AWS::Lambda::Permission") {
		q := perm.Properties
		if q["Principal"] == "events.amazonaws.com" && same(q["SourceArn"], getAtt(ruleID, "Arn")) &&
			same(q["FunctionName"], getAtt(errorHandler, "Arn")) && q["Action"] == "lambda:InvokeFunction" {
			allowed = true
		}
	}
	if !allowed {
		t.Error("EventBridge may not invoke the error handler for the rule")
	}
}
