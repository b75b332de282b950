package main

import (
	_ "embed"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsappsync"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// eventsNamespace is the channel namespace of job events: each job publishes
// on /jobs/<id>.
const eventsNamespace = "jobs"

// jobsNamespaceHandlers is the code of the jobs namespace's handlers
// (APPSYNC_JS): onSubscribe lets a subscription name one job's channel only.
//
//go:embed appsync/jobs-namespace.js
var jobsNamespaceHandlers string

// The AppSync Events authorization types the stack uses.
const (
	authAPIKey = "API_KEY"
	authIAM    = "AWS_IAM"
)

// eventsAPI is the AppSync Events API that pushes job changes to subscribers.
type eventsAPI struct {
	api       awsappsync.CfnApi
	namespace awsappsync.CfnChannelNamespace
	key       awsappsync.CfnApiKey
}

// newEventsAPI creates the Events API: clients connect and subscribe with
// the API key (browsers, Amplify) or IAM; only IAM may publish, so that only
// the functions (not every holder of the API key) can announce a job's
// status. In the jobs namespace a subscription must name one job's channel:
// job ids are capabilities, and no one may listen to every job.
func newEventsAPI(stack awscdk.Stack, cfg Config) eventsAPI {
	both := []awsappsync.CfnApi_AuthModeProperty{{AuthType: jsii.String(authAPIKey)}, {AuthType: jsii.String(authIAM)}}
	iamOnly := []awsappsync.CfnApi_AuthModeProperty{{AuthType: jsii.String(authIAM)}}
	api := awsappsync.NewCfnApi(stack, jsii.String("JobEventsApi"), &awsappsync.CfnApiProps{
		Name: jsii.String(*stack.StackName() + "-job-events"),
		EventConfig: &awsappsync.CfnApi_EventConfigProperty{
			AuthProviders: []awsappsync.CfnApi_AuthProviderProperty{
				{AuthType: jsii.String(authAPIKey)}, {AuthType: jsii.String(authIAM)},
			},
			ConnectionAuthModes:       both,
			DefaultPublishAuthModes:   iamOnly,
			DefaultSubscribeAuthModes: both,
		},
	})
	namespace := awsappsync.NewCfnChannelNamespace(stack, jsii.String("JobEventsNamespace"), &awsappsync.CfnChannelNamespaceProps{
		ApiId:              api.AttrApiId(),
		Name:               jsii.String(eventsNamespace),
		PublishAuthModes:   []awsappsync.CfnChannelNamespace_AuthModeProperty{{AuthType: jsii.String(authIAM)}},
		SubscribeAuthModes: []awsappsync.CfnChannelNamespace_AuthModeProperty{{AuthType: jsii.String(authAPIKey)}, {AuthType: jsii.String(authIAM)}},
		CodeHandlers:       jsii.String(jobsNamespaceHandlers),
	})
	key := awsappsync.NewCfnApiKey(stack, jsii.String("JobEventsApiKey"), &awsappsync.CfnApiKeyProps{
		ApiId:       api.AttrApiId(),
		Description: jsii.String("Subscribes to job events (browsers, Amplify, jobsctl watch); renewed on every deploy"),
		Expires:     jsii.Number(float64(cfg.EventsAPIKeyExpires.Unix())),
	})
	return eventsAPI{api: api, namespace: namespace, key: key}
}

// httpEndpoint is where events are published over HTTP.
func (e eventsAPI) httpEndpoint() *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), e.api.AttrDnsHttp(), jsii.String("/event")})
}

// realtimeEndpoint is the WebSocket endpoint subscribers connect to.
func (e eventsAPI) realtimeEndpoint() *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("wss://"), e.api.AttrDnsRealtime(), jsii.String("/event/realtime")})
}

// grantPublish lets fn publish to the jobs namespace over HTTP with IAM.
func (e eventsAPI) grantPublish(fn awslambda.Function) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("appsync:EventPublish"),
		Resources: jsii.Strings(*e.namespace.AttrChannelNamespaceArn()),
	}))
}

// grantSubscribe lets fn open a WebSocket with IAM and subscribe to the jobs
// namespace (the API waits for a job's end that way).
func (e eventsAPI) grantSubscribe(fn awslambda.Function) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("appsync:EventConnect"),
		Resources: jsii.Strings(*e.api.AttrApiArn()),
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("appsync:EventSubscribe"),
		Resources: jsii.Strings(*e.namespace.AttrChannelNamespaceArn()),
	}))
}
