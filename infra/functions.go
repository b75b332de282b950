package main

import (
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// maxEventAgeHours is how long Lambda keeps trying to run an async event (a
// job) before it gives up and hands it to the on-failure destination: 6 h,
// the most Lambda allows, as in the reference sample.
const maxEventAgeHours = 6

// noReservation is the value of the reserved-concurrency parameter that
// leaves the processor in the account's unreserved pool.
const noReservation = "-1"

// reservationPattern is what the reserved-concurrency parameter accepts: -1
// or a whole number from 1. Never 0: Lambda sends every async event of a
// function with no concurrency straight to its on-failure destination,
// without retries, and the error handler would record each queued job as
// Failure.
const reservationPattern = `^(-1|[1-9][0-9]{0,5})$`

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

// The DynamoDB calls each function makes through jobs/dynamostore: Get and
// Update read with GetItem and write with a conditional PutItem; Create
// does too; Delete (the API, when a job cannot be dispatched) uses
// DeleteItem; List (the API) queries the index byOwner, and nothing else
// queries. Nothing scans or batches.
var (
	apiTableActions    = []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}
	updateTableActions = []string{"dynamodb:GetItem", "dynamodb:PutItem"} // the processor and the error handler: Update only
)

// tableKeyActions are what a caller of the table may do with its key: the
// named actions of CDK's grantReadWriteData for an encrypted table, without
// its wildcards (ReEncrypt*, GenerateDataKey*). AWS does not say plainly
// which of them item calls need (Decrypt at least); a stack whose writes fail
// on KMS AccessDenied at the first deploy would cost more than two unused
// actions on one key.
var tableKeyActions = []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}

// newJobFunctions creates the functions, their async invoke configurations
// (processor → error handler → failure bus) and their grants: each exactly
// what its code calls.
func newJobFunctions(stack awscdk.Stack, cfg Config, table awsdynamodb.Table, events eventsAPI, failures awsevents.IEventBus) jobFunctions {
	shared := map[string]*string{
		"JOBS_TABLE_NAME":           table.TableName(),
		"JOBS_EVENTS_HTTP_ENDPOINT": events.httpEndpoint(),
		"JOBS_EVENTS_NAMESPACE":     jsii.String(eventsNamespace),
		metricsNamespaceEnv:         stack.StackName(),
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
			OnFailure: &functionDestination{target: f.errorHandler},
		},
	})

	// The template validator evaluates the Fn::If with the parameter's
	// default in both branches; with -1 the condition leaves the property
	// out. Any other value is a whole number (the parameter's pattern), which
	// CloudFormation hands over as a string, as it does every parameter.
	for _, check := range []string{"F3034", "W9003"} { // below the minimum; a string
		awscdk.Validations_Of(f.processor).Acknowledge(&awscdk.Acknowledgment{
			Id:     jsii.String("CloudFormation-Validate::" + check),
			Reason: jsii.String("-1 (no reservation) never reaches ReservedConcurrentExecutions: Fn::If turns it into AWS::NoValue"),
		})
	}

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

	grantTable(table, f.api, apiTableActions)
	grantIndexQuery(table, f.api, ownerIndex)
	grantTable(table, f.processor, updateTableActions)
	grantTable(table, f.errorHandler, updateTableActions)
	allowInvoke(f.api, f.processor)
	// The API publishes too (Pending on submit, Cancelled on cancel), and
	// subscribes to wait for a job's end (Prefer: wait, ?wait=).
	for _, fn := range []awslambda.Function{f.api, f.processor, f.errorHandler} {
		events.grantPublish(fn)
	}
	events.grantSubscribe(f.api)
	return f
}

// grantTable lets fn call actions on the table (its items: not its indexes,
// which table.Grant would add) and decrypt with its key.
func grantTable(table awsdynamodb.Table, fn awslambda.Function, actions []string) {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee: fn, Actions: jsii.Strings(actions...), ResourceArns: jsii.Strings(*table.TableArn()),
	})
	table.EncryptionKey().Grant(fn, *jsii.Strings(tableKeyActions...)...)
}

// grantIndexQuery lets fn query the table's index, and nothing else of it.
func grantIndexQuery(table awsdynamodb.Table, fn awslambda.Function, index string) {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee: fn, Actions: jsii.Strings("dynamodb:Query"), ResourceArns: jsii.Strings(*table.TableArn() + "/index/" + index),
	})
}

// allowInvoke lets fn invoke target's unqualified ARN, the only one the
// stack uses; CDK's GrantInvoke would add every version and alias (ARN:*).
func allowInvoke(fn, target awslambda.IFunction) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("lambda:InvokeFunction"),
		Resources: jsii.Strings(*target.FunctionArn()),
	}))
}

// functionDestination is an on-failure destination that sends the whole
// invocation record (not only the response, so the error handler knows the
// job, the condition and the error) to a function, which the sender may
// invoke through allowInvoke.
type functionDestination struct {
	target awslambda.IFunction
}

// Bind implements awslambda.IDestination.
func (d *functionDestination) Bind(_ constructs.Construct, fn awslambda.IFunction, _ *awslambda.DestinationOptions) *awslambda.DestinationConfig {
	allowInvoke(fn, d.target)
	return &awslambda.DestinationConfig{Destination: d.target.FunctionArn()}
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
		// A String, for the pattern: Ref gives a Number parameter as a string all the same.
		Type:           jsii.String("String"),
		Default:        jsii.String(noReservation),
		AllowedPattern: jsii.String(reservationPattern),
		ConstraintDescription: jsii.String("-1 or a whole number from 1; not 0, which would make Lambda send every queued job " +
			"to the error handler without running it"),
		Description: jsii.String("Concurrent executions reserved for the job processor: -1 leaves it in the account's " +
			"unreserved pool; N (1 or more) caps how many jobs run at once, the others waiting in Lambda's queue (up to 6 h, " +
			"then they fail). 0 is refused: Lambda sends every event of a function with no concurrency to its on-failure " +
			"destination without retries, so each queued job would be recorded as Failure. There is no pause: to stop work, " +
			"stop submitting and let the queued jobs finish."),
	})
	reservationSet := awscdk.NewCfnCondition(stack, jsii.String("ProcessorConcurrencyReserved"), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionNot(awscdk.Fn_ConditionEquals(reserved.ValueAsString(), jsii.String(noReservation))),
	})
	return awscdk.Token_AsNumber(awscdk.Fn_ConditionIf(reservationSet.LogicalId(), reserved.ValueAsString(), awscdk.Aws_NO_VALUE()))
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
// asset's bootstrap, logging to its own log group. Its role may write to
// that log group only (not AWSLambdaBasicExecutionRole's logs:* on every
// log group); the other grants are added by the caller.
func newGoFunction(stack awscdk.Stack, name string, cfg Config, g goFunction) awslambda.Function {
	logs := awslogs.NewLogGroup(stack, jsii.String(name+"Logs"), &awslogs.LogGroupProps{
		Retention:     cfg.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(stack, jsii.String(name+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Runs the " + name + " function"),
	})
	logs.GrantWrite(role)
	return awslambda.NewFunction(stack, jsii.String(name+"Function"), &awslambda.FunctionProps{
		Role:                         role,
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
