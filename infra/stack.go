package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// JobsStackProps are the stack's settings: where and what to deploy.
type JobsStackProps struct {
	awscdk.StackProps
	Config Config
}

// NewJobsStack builds the whole service: the REST API and its function, the
// processor and error handler, the jobs table, the AppSync Events API, the
// failure bus with its archive and re-drive rule, alarms, a dashboard and
// outputs.
func NewJobsStack(scope constructs.Construct, id string, props *JobsStackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	cfg := props.Config

	table := newJobsTable(stack)
	events := newEventsAPI(stack, cfg)
	failures := newFailureBus(stack, cfg)
	functions := newJobFunctions(stack, cfg, table, events, failures.bus)
	redrive := failures.addRedriveRule(stack, functions.errorHandler)
	api := newRestAPI(stack, cfg, functions.api)
	// Sessions of the invoke role are owners of their own (see newInvokeRole).
	functions.api.AddEnvironment(jsii.String(invokeRoleEnv), api.invokeRole.RoleArn(), nil)
	addAlarms(stack, functions.processor, functions.errorHandler, failureBusName(*stack.StackName()))
	addDashboard(stack, dashboardParts{api: api, functions: functions, failures: failures, redrive: redrive})
	addOutputs(stack, api, events, table.TableName(), failures)
	return stack
}
