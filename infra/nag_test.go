package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// nagFindings synthesizes the default stack with cdk-nag's AwsSolutions
// pack as an aspect and returns its unsuppressed findings of one level
// ("error" or "warning"), each as "rule-id construct-path".
func nagFindings(t *testing.T) (errors, warnings []string) {
	t.Helper()
	dir := t.TempDir()
	if err := dummyAssets(dir); err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(nil)
	stack := NewJobsStack(app, "NagJobs", &JobsStackProps{
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{
			Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1"),
		}},
		Config: testConfig(t, dir, map[string]any{}),
	})
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	annotations := assertions.Annotations_FromStack(stack)
	collect := func(found *[]*cxapiMessage) []string { return nil }
	_ = collect
	for _, m := range *annotations.FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
		errors = append(errors, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
	}
	for _, m := range *annotations.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
		warnings = append(warnings, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
	}
	slices.Sort(errors)
	slices.Sort(warnings)
	return errors, warnings
}

type cxapiMessage struct{}

func TestAwsSolutionsChecks(t *testing.T) {
	errors, warnings := nagFindings(t)
	for _, e := range errors {
		t.Errorf("cdk-nag error %s", e)
	}
	for _, w := range warnings {
		t.Errorf("cdk-nag warning %s", w)
	}
}
