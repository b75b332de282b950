package main

import (
	"testing"
	"time"
)

func TestEventsAPI(t *testing.T) {
	tpl := setup(t)
	apiID, api := tpl.one(t, "AWS::AppSync::Api", "JobEventsApi")
	both := []any{map[string]any{"AuthType": "API_KEY"}, map[string]any{"AuthType": "AWS_IAM"}}
	iamOnly := []any{map[string]any{"AuthType": "AWS_IAM"}}
	config, _ := api.Properties["EventConfig"].(map[string]any)
	for _, field := range []string{"AuthProviders", "ConnectionAuthModes", "DefaultSubscribeAuthModes"} {
		if !same(config[field], both) {
			t.Errorf("EventConfig.%s = %v, want API_KEY and AWS_IAM", field, config[field])
		}
	}
	if !same(config["DefaultPublishAuthModes"], iamOnly) {
		t.Errorf("EventConfig.DefaultPublishAuthModes = %v, want AWS_IAM only", config["DefaultPublishAuthModes"])
	}

	_, namespace := tpl.one(t, "AWS::AppSync::ChannelNamespace", "JobEventsNamespace")
	p := namespace.Properties
	if p["Name"] != "jobs" || !same(p["ApiId"], getAtt(apiID, "ApiId")) {
		t.Errorf("namespace %v of %v, want jobs of the events API", p["Name"], p["ApiId"])
	}
	if !same(p["PublishAuthModes"], iamOnly) || !same(p["SubscribeAuthModes"], both) {
		t.Errorf("namespace publish %v, subscribe %v; want IAM only to publish, both to subscribe", p["PublishAuthModes"], p["SubscribeAuthModes"])
	}
	// Events handlers run on APPSYNC_JS: AWS::AppSync::ChannelNamespace has
	// no runtime property to pin. Without HandlerConfigs the code itself
	// handles subscribe requests (no data source integration).
	if p["CodeHandlers"] != jobsNamespaceHandlers || p["HandlerConfigs"] != nil {
		t.Errorf("namespace code %q, handler configs %v; want appsync/jobs-namespace.js and no integration", p["CodeHandlers"], p["HandlerConfigs"])
	}

	_, key := tpl.one(t, "AWS::AppSync::ApiKey", "JobEventsApiKey")
	wantExpiry := time.Date(2027, 11, 20, 0, 0, 0, 0, time.UTC) // testNow's day + 365 days
	if !same(key.Properties["ApiId"], getAtt(apiID, "ApiId")) || key.Properties["Expires"] != float64(wantExpiry.Unix()) {
		t.Errorf("API key of %v expiring %v, want the events API's, expiring %d", key.Properties["ApiId"], key.Properties["Expires"], wantExpiry.Unix())
	}
}
