package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// The envelope Lambda gives an async invocation record it sends to an
// EventBridge destination on failure.
const (
	failureSource     = "lambda"
	failureDetailType = "Lambda Function Invocation Result - Failure"
)

// legacyFailureBusName is the failure bus of the default stack, named before
// stages existed; renaming it would replace the bus and its archive, and
// with them the archived failure records.
const legacyFailureBusName = "jobs-failures"

// failureBusName names the bus that receives what the error handler could
// not record: <stack>-failures, jobs-failures for the default stack.
func failureBusName(stackName string) string {
	if stackName == defaultStackName {
		return legacyFailureBusName
	}
	return stackName + "-failures"
}

// failureBus is the last stop of a failed job: the bus the error handler's
// on-failure destination sends to, and the archive that keeps those events
// for replay.
type failureBus struct {
	bus     awsevents.EventBus
	archive awsevents.Archive
}

// newFailureBus creates the bus and its archive of failure records (kept
// forever unless the archive retention is set).
func newFailureBus(stack awscdk.Stack, cfg Config) failureBus {
	bus := awsevents.NewEventBus(stack, jsii.String("FailureBus"), &awsevents.EventBusProps{
		EventBusName: jsii.String(failureBusName(*stack.StackName())),
		Description:  jsii.String("Failure records of jobs the error handler could not record; archived for replay"),
	})
	var retention awscdk.Duration // nil: indefinite
	if cfg.ArchiveRetentionDays > 0 {
		retention = awscdk.Duration_Days(jsii.Number(float64(cfg.ArchiveRetentionDays)))
	}
	archive := bus.Archive(jsii.String("FailureArchive"), &awsevents.BaseArchiveProps{
		Description: jsii.String("Failure records for replay (aws events start-replay)"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(failureSource),
			DetailType: jsii.Strings(failureDetailType),
		},
		Retention: retention,
	})
	return failureBus{bus: bus, archive: archive}
}

// addRedriveRule sends REPLAYED failure records to the error handler, with
// the destination record (the event's detail) as its input: the same input
// it gets from the processor's destination. Fresh events carry no
// replay-name, so a failure of the error handler lands in the archive once
// and is not retried in a loop; a replay (`aws events start-replay`) is what
// runs it again.
func (f failureBus) addRedriveRule(stack awscdk.Stack, errorHandler awslambda.IFunction) awsevents.Rule {
	rule := awsevents.NewRule(stack, jsii.String("FailureRedriveRule"), &awsevents.RuleProps{
		EventBus:    f.bus,
		Description: jsii.String("Re-drives replayed failure records to the error handler"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(failureSource),
			DetailType: jsii.Strings(failureDetailType),
		},
		Targets: &[]awsevents.IRuleTarget{
			awseventstargets.NewLambdaFunction(errorHandler, &awseventstargets.LambdaFunctionProps{
				Event: awsevents.RuleTargetInput_FromEventPath(jsii.String("$.detail")),
			}),
		},
	})
	// EventPattern has no field for replay-name: set it on the CloudFormation resource.
	cfnRule := rule.Node().DefaultChild().(awsevents.CfnRule)
	cfnRule.AddPropertyOverride(jsii.String("EventPattern.replay-name"), []map[string]bool{{"exists": true}})
	return rule
}
