package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// addOutputs publishes what clients and operators need after a deploy
// (`aws cloudformation describe-stacks --query 'Stacks[0].Outputs'`).
func addOutputs(stack awscdk.Stack, api restAPI, events eventsAPI, table *string, failures failureBus) {
	for _, o := range []struct{ id, value, description string }{
		{"ApiUrl", *api.api.Url(), "The jobs API's base URL (stage included): POST {ApiUrl}jobs"},
		{"InvokeRoleArn", *api.invokeRole.RoleArn(), "Role IAM users assume to call the API, with their user name as the session name (then SigV4, service execute-api)"},
		{"EventsHttpEndpoint", *events.httpEndpoint(), "AppSync Events HTTP endpoint (Amplify's endpoint; publish)"},
		{"EventsRealtimeEndpoint", *events.realtimeEndpoint(), "AppSync Events WebSocket endpoint; subscribe to /" + eventsNamespace + "/<jobId>"},
		{"EventsApiId", *events.api.AttrApiId(), "AppSync Events API id (aws appsync list-api-keys --api-id ...)"},
		{"EventsApiKeyId", *events.key.AttrApiKeyId(), "Id of the events API key (subscribe with x-api-key)"},
		{"JobsTableName", *table, "DynamoDB table of jobs (kept when the stack is deleted)"},
		{"FailureBusArn", *failures.bus.EventBusArn(), "EventBridge bus receiving failure records the error handler could not record"},
		{"FailureArchiveArn", *failures.archive.ArchiveArn(), "Archive of the failure bus: aws events start-replay --event-source-arn <this> --destination Arn=<FailureBusArn>"},
	} {
		awscdk.NewCfnOutput(stack, jsii.String(o.id), &awscdk.CfnOutputProps{
			Value:       jsii.String(o.value),
			Description: jsii.String(o.description),
		})
	}
}
