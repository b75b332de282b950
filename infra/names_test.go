package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// scopedNames are the name properties whose values need to be unique only
// within their parent resource, which has a generated id of its own.
var scopedNames = map[string]bool{
	"AWS::ApiGateway::Stage StageName":       true, // in its REST API
	"AWS::ApiGateway::Model Name":            true, // in its REST API
	"AWS::ApiGateway::RequestValidator Name": true, // in its REST API
	"AWS::AppSync::ChannelNamespace Name":    true, // in its Events API
	"AWS::IAM::Policy PolicyName":            true, // an inline policy, in its role
	"AWS::CloudWatch::Alarm MetricName":      true, // what it watches, not a name
}

// physicalNames returns the literal names a template gives its resources,
// as "Type Property=value": every top-level property called Name or ending
// in Name, but for scopedNames.
func physicalNames(tpl template) []string {
	var names []string
	for _, r := range tpl.Resources {
		for property, value := range r.Properties {
			name, literal := value.(string)
			if !literal || !strings.HasSuffix(property, "Name") || scopedNames[r.Type+" "+property] {
				continue
			}
			names = append(names, fmt.Sprintf("%s %s=%s", r.Type, property, name))
		}
	}
	slices.Sort(names)
	return names
}

// synthStages builds one stack per stage in one app, as two deployments
// in one account would be, and returns their names and templates.
func synthStages(t *testing.T, stages ...string) ([]string, []template) {
	t.Helper()
	dir := t.TempDir()
	if err := dummyAssets(dir); err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(nil)
	var stacks []awscdk.Stack
	for _, stage := range stages {
		context := map[string]any{}
		if stage != "" {
			context[keyStage] = stage
		}
		cfg := testConfig(t, dir, context)
		stacks = append(stacks, newTestStack(app, cfg.StackName(), cfg))
	}
	var names []string
	var templates []template
	for _, stack := range stacks {
		tpl, err := decode(stack)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, *stack.StackName())
		templates = append(templates, tpl)
	}
	return names, templates
}

func TestStagesInOneAccountHaveNoClashingNames(t *testing.T) {
	names, templates := synthStages(t, "", "dev")
	if want := []string{"AsyncJobs", "AsyncJobs-dev"}; !slices.Equal(names, want) {
		t.Fatalf("stack names %v, want %v", names, want)
	}
	byName := map[string]string{}
	for i, tpl := range templates {
		for _, name := range physicalNames(tpl) {
			if other, ok := byName[name]; ok {
				t.Errorf("%s and %s both name a resource %s", other, names[i], name)
			}
			byName[name] = names[i]
		}
	}
	// The default stack keeps the names it had before stages, so that an
	// update replaces nothing: the bus (and its archive) above all.
	for i, want := range []string{"jobs-failures", "AsyncJobs-dev-failures"} {
		_, bus := templates[i].one(t, "AWS::Events::EventBus", "FailureBus")
		if bus.Properties["Name"] != want {
			t.Errorf("%s: failure bus %v, want %s", names[i], bus.Properties["Name"], want)
		}
	}
	_, api := templates[0].one(t, "AWS::ApiGateway::RestApi", "JobsApi")
	_, events := templates[0].one(t, "AWS::AppSync::Api", "JobEventsApi")
	if api.Properties["Name"] != "AsyncJobs-jobs" || events.Properties["Name"] != "AsyncJobs-job-events" {
		t.Errorf("default stack: API %v, events API %v; want AsyncJobs-jobs, AsyncJobs-job-events", api.Properties["Name"], events.Properties["Name"])
	}
}
