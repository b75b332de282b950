package main

import (
	"maps"
	"slices"
	"testing"
)

func TestOutputs(t *testing.T) {
	tpl := setup(t)
	apiID, _ := tpl.one(t, "AWS::ApiGateway::RestApi", "JobsApi")
	stageID, _ := tpl.one(t, "AWS::ApiGateway::Stage", "JobsApiDeploymentStage")
	eventsAPIID, _ := tpl.one(t, "AWS::AppSync::Api", "JobEventsApi")
	keyID, _ := tpl.one(t, "AWS::AppSync::ApiKey", "JobEventsApiKey")
	roleID, _ := tpl.one(t, "AWS::IAM::Role", "JobsAPIInvokeRole")
	tableID, _ := tpl.one(t, "AWS::DynamoDB::Table", "JobsTable")
	busID, _ := tpl.one(t, "AWS::Events::EventBus", "FailureBus")
	archiveID, _ := tpl.one(t, "AWS::Events::Archive", "FailureBusFailureArchive")
	want := map[string]string{
		"ApiUrl":                 "https://${" + apiID + "}.execute-api.eu-west-1.${AWS::URLSuffix}/${" + stageID + "}/",
		"InvokeRoleArn":          "${" + roleID + ".Arn}",
		"EventsHttpEndpoint":     "https://${" + eventsAPIID + ".Dns.Http}/event",
		"EventsRealtimeEndpoint": "wss://${" + eventsAPIID + ".Dns.Realtime}/event/realtime",
		"EventsApiId":            "${" + eventsAPIID + ".ApiId}",
		"EventsApiKeyId":         "${" + keyID + ".ApiKeyId}",
		"JobsTableName":          "${" + tableID + "}",
		"FailureBusArn":          "${" + busID + ".Arn}",
		"FailureArchiveArn":      "${" + archiveID + ".Arn}",
	}
	got := map[string]string{}
	for name, o := range tpl.Outputs {
		got[name] = render(o["Value"])
	}
	if !maps.Equal(got, want) {
		t.Errorf("outputs %v\nwant %v", got, want)
	}
}

func TestAlarms(t *testing.T) {
	tpl := setup(t)
	var watched []string
	for id, a := range tpl.ofType("AWS::CloudWatch::Alarm") {
		p := a.Properties
		dims := list(p["Dimensions"])
		if len(dims) != 1 || p["Namespace"] != "AWS/Lambda" || p["Threshold"] != float64(0) || p["ComparisonOperator"] != "GreaterThanThreshold" {
			t.Errorf("alarm %s: %v", id, p)
			continue
		}
		fn := refID(dims[0].(map[string]any)["Value"])
		watched = append(watched, fn+" "+p["MetricName"].(string))
	}
	slices.Sort(watched)
	want := []string{
		tpl.functionID(t, "ErrorHandler") + " AsyncEventsDropped", // what reaches the failure bus
		tpl.functionID(t, "Processor") + " Errors",
		// A failure record Lambda could not deliver is lost.
		tpl.functionID(t, "Processor") + " DestinationDeliveryFailures",
		tpl.functionID(t, "ErrorHandler") + " DestinationDeliveryFailures",
	}
	slices.Sort(want)
	if !slices.Equal(watched, want) {
		t.Errorf("alarms watch %v, want %v", watched, want)
	}
}
