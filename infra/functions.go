package main

import (
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// maxEventAgeHours is how long Lambda keeps trying to run an async event (a
// job) before it gives up and hands it to the on-failure destination: 6 h,
// the most Lambda allows, as in the reference sample.
const maxEventAgeHours = 6

// noReservation is the value of the reserved-concurrency parameter that
// leaves the processor in the account's unreserved pool.
const noReservation = "-1"

// invokeRoleEnv tells the API function the ARN of the stack's invoke role,
// whose session names are the IAM users' names.
const invokeRoleEnv = "JOBS_INVOKE_ROLE_ARN"

// jobFunctions are the three Lambda functions, all built from cmd/ by
// `make lambdas` and sharing the job, handler and error-handling code of jobsd.
type jobFunctions struct {
	api          awslambda.Function // API Gateway → gin router
	processor    awslambda.Function // runs one job per async invocation
	errorHandler awslambda.Function // records failures from destination records
}

// newJobFunctions creates the functions, their async invoke configurations
// (processor → error handler → failure bus) and their grants.
func newJobFunctions(stack awscdk.Stack, cfg Config, table awsdynamodb.Table, events eventsAPI, failures awsevents.IEventBus) jobFunctions {
	shared := map[string]*string{
		"JOBS_TABLE_NAME":           table.TableName(),
		"JOBS_EVENTS_HTTP_ENDPOINT": events.httpEndpoint(),
		"JOBS_EVENTS_NAMESPACE":     jsii.String(eventsNamespace),
	}
	maxEventAge := awscdk.Duration_Hours(jsii.Number(maxEventAgeHours))
	var f jobFunctions

	f.errorHandler = newGoFunction(stack, "ErrorHandler", cfg, goFunction{
		asset:       errorHandlerAsset,
		description: "Records a job's failure from its Lambda destination record and publishes it",
		memoryMB:    128,
		timeout:     awscdk.Duration_Seconds(jsii.Number(30)),
		env:         shared,
		async: awslambda.EventInvokeConfigOptions{
			RetryAttempts: jsii.Number(0),
			MaxEventAge:   maxEventAge,
			OnFailure:     awslambdadestinations.NewEventBridgeDestination(failures),
		},
	})

	f.processor = newGoFunction(stack, "Processor", cfg, goFunction{
		asset:       processorAsset,
		description: "Runs one job per asynchronous invocation, stores its result and publishes its progress",
		memoryMB:    256,
		// Above the longest job type (sleep: 300 s + 10 s of slack).
		timeout:             awscdk.Duration_Minutes(jsii.Number(6)),
		env:                 shared,
		reservedConcurrency: processorConcurrencyParameter(stack),
		async: awslambda.EventInvokeConfigOptions{
			RetryAttempts: jsii.Number(float64(cfg.ProcessorRetries)),
			MaxEventAge:   maxEventAge,
			// The whole invocation record, not only the response, so the
			// error handler knows the job, the condition and the error.
			OnFailure: awslambdadestinations.NewLambdaDestination(f.errorHandler, &awslambdadestinations.LambdaDestinationOptions{
				ResponseOnly: jsii.Bool(false),
			}),
		},
	})

	// The template validator evaluates the Fn::If with the parameter's
	// default in both branches; with -1 the condition leaves the property out.
	awscdk.Validations_Of(f.processor).Acknowledge(&awscdk.Acknowledgment{
		Id:     jsii.String("CloudFormation-Validate::F3034"),
		Reason: jsii.String("-1 (no reservation) never reaches ReservedConcurrentExecutions: Fn::If turns it into AWS::NoValue"),
	})

	apiEnv := map[string]*string{
		"JOBS_PROCESSOR_FUNCTION_NAME":  f.processor.FunctionName(),
		"JOBS_EVENTS_REALTIME_ENDPOINT": events.realtimeEndpoint(),
		"JOBS_RETENTION":                jsii.String(shortDuration(cfg.JobRetention)),
	}
	maps.Copy(apiEnv, shared)
	f.api = newGoFunction(stack, "Api", cfg, goFunction{
		asset:       apiAsset,
		description: "The jobs REST API behind API Gateway",
		memoryMB:    512,
		// API Gateway gives up after 29 s; Prefer: wait holds at most 25 s.
		timeout: awscdk.Duration_Seconds(jsii.Number(29)),
		env:     apiEnv,
	})

	for _, fn := range []awslambda.Function{f.api, f.processor, f.errorHandler} {
		table.GrantReadWriteData(fn)
	}
	f.processor.GrantInvoke(f.api)
	// The API publishes too (Pending on submit, Cancelled on cancel), and
	// subscribes to wait for a job's end (Prefer: wait, ?wait=).
	for _, fn := range []awslambda.Function{f.api, f.processor, f.errorHandler} {
		events.grantPublish(fn)
	}
	events.grantSubscribe(f.api)
	return f
}

// shortDuration writes d as time.ParseDuration reads it, without zero
// minutes and seconds: 168h rather than 168h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if short, ok := strings.CutSuffix(s, "m0s"); ok {
		s = short + "m"
	}
	if short, ok := strings.CutSuffix(s, "h0m"); ok {
		s = short + "h"
	}
	return s
}

// processorConcurrencyParameter adds the stack parameter
// ProcessorReservedConcurrency and returns the processor's reserved
// concurrency: the parameter, or nothing (AWS::NoValue) when it is -1.
func processorConcurrencyParameter(stack awscdk.Stack) *float64 {
	reserved := awscdk.NewCfnParameter(stack, jsii.String("ProcessorReservedConcurrency"), &awscdk.CfnParameterProps{
		Type:     jsii.String("Number"),
		Default:  jsii.Number(-1),
		MinValue: jsii.Number(-1),
		Description: jsii.String("Concurrent executions reserved for the job processor: -1 leaves it in the account's " +
			"unreserved pool; 0 pauses processing (events wait, up to 6 h); N caps how many jobs run at once."),
	})
	reservationSet := awscdk.NewCfnCondition(stack, jsii.String("ProcessorConcurrencyReserved"), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionNot(awscdk.Fn_ConditionEquals(reserved.ValueAsString(), jsii.String(noReservation))),
	})
	return awscdk.Token_AsNumber(awscdk.Fn_ConditionIf(reservationSet.LogicalId(), reserved.ValueAsNumber(), awscdk.Aws_NO_VALUE()))
}

// goFunction describes one of the Go functions.
type goFunction struct {
	asset               string // directory under the assets directory
	description         string
	memoryMB            float64
	timeout             awscdk.Duration
	env                 map[string]*string
	reservedConcurrency *float64                           // nil: unreserved
	async               awslambda.EventInvokeConfigOptions // zero: Lambda's defaults
}

// newGoFunction creates an arm64 provided.al2023 function running the
// asset's bootstrap, logging to its own log group.
func newGoFunction(stack awscdk.Stack, name string, cfg Config, g goFunction) awslambda.Function {
	logs := awslogs.NewLogGroup(stack, jsii.String(name+"Logs"), &awslogs.LogGroupProps{
		Retention:     cfg.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	return awslambda.NewFunction(stack, jsii.String(name+"Function"), &awslambda.FunctionProps{
		Description:                  jsii.String(g.description),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         awslambda.Code_FromAsset(jsii.String(cfg.assetPath(g.asset)), nil),
		MemorySize:                   jsii.Number(g.memoryMB),
		Timeout:                      g.timeout,
		Environment:                  &g.env,
		LogGroup:                     logs,
		ReservedConcurrentExecutions: g.reservedConcurrency,
		RetryAttempts:                g.async.RetryAttempts,
		MaxEventAge:                  g.async.MaxEventAge,
		OnFailure:                    g.async.OnFailure,
	})
}
