package main

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// TestAwsSolutionsChecks runs cdk-nag's AwsSolutions pack over the default
// stack: every finding, error or warning, must be fixed or suppressed on
// its resource with a reason (nag.go).
func TestAwsSolutionsChecks(t *testing.T) {
	dir := t.TempDir()
	if err := dummyAssets(dir); err != nil {
		t.Fatal(err)
	}
	stack := newTestStack(awscdk.NewApp(nil), "NagJobs", testConfig(t, dir, map[string]any{}))
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)

	annotations := assertions.Annotations_FromStack(stack)
	rule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	findings := map[string]*[]*cxapi.SynthesisMessage{
		"error":   annotations.FindError(jsii.String("*"), rule),
		"warning": annotations.FindWarning(jsii.String("*"), rule),
	}
	for level, messages := range findings {
		for _, m := range *messages {
			t.Errorf("cdk-nag %s on %s: %v", level, *m.Id, fmt.Sprint(m.Entry.Data))
		}
	}
}
