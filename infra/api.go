package main

import (
	"fmt"
	"net/http"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// stageName is the API's only stage; its URL is the API's base URL.
const stageName = "prod"

// accessLogFormat writes one JSON object per request. $context.error.messageString
// is already a quoted JSON string; the other variables are quoted here.
const accessLogFormat = `{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId",` +
	`"requestTime":"$context.requestTime","ip":"$context.identity.sourceIp","caller":"$context.identity.caller",` +
	`"userArn":"$context.identity.userArn","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath",` +
	`"path":"$context.path","status":"$context.status","protocol":"$context.protocol",` +
	`"responseLength":"$context.responseLength","responseLatency":"$context.responseLatency",` +
	`"integrationLatency":"$context.integration.latency","integrationStatus":"$context.integration.status",` +
	`"errorType":"$context.error.responseType","error":$context.error.messageString}`

// apiRoutes are the API's routes, all signed (AWS_IAM): method and path in an
// execute-api ARN. /healthz and /openapi.json are the function's too.
var apiRoutes = []struct{ method, path string }{
	{"POST", "/jobs"},
	{"GET", "/jobs"},
	{"GET", "/jobs/*"},
	{"DELETE", "/jobs/*"},
	{"GET", "/healthz"},
	{"GET", "/openapi.json"},
}

// restAPI is the public face of the jobs service in AWS.
type restAPI struct {
	api        awsapigateway.RestApi
	invokeRole awsiam.Role
}

// newRestAPI creates the regional REST API in front of the API function:
// every method requires SigV4 (AWS_IAM), /healthz and /openapi.json
// included (API Gateway has no unsigned door), POST /jobs bodies go to the
// function unchecked (it validates them, field by field, as jobsd does),
// requests are access-logged as JSON, and the stage is throttled. API Gateway's own errors are problem+json like the
// function's.
func newRestAPI(stack awscdk.Stack, cfg Config, handler awslambda.IFunction) restAPI {
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     cfg.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	iamOnly := &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_IAM}
	api := awsapigateway.NewRestApi(stack, jsii.String("JobsApi"), &awsapigateway.RestApiProps{
		RestApiName:          jsii.String(*stack.StackName() + "-jobs"),
		Description:          jsii.String("Async jobs: POST /jobs, GET /jobs, GET /jobs/{id}, DELETE /jobs/{id}, GET /healthz, GET /openapi.json (SigV4, service execute-api)"),
		EndpointTypes:        &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		DefaultMethodOptions: iamOnly,
		// Access logging needs the account's API Gateway CloudWatch role;
		// CDK keeps it (RETAIN) when the stack is deleted, as other APIs may use it.
		CloudWatchRole: jsii.Bool(true),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(stageName),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat)),
			ThrottlingRateLimit:  jsii.Number(cfg.ThrottleRate),
			ThrottlingBurstLimit: jsii.Number(float64(cfg.ThrottleBurst)),
		},
	})

	// The stack's ApiUrl output replaces the one RestApi adds by itself.
	api.Node().TryRemoveChild(jsii.String("Endpoint"))

	integration := awsapigateway.NewLambdaIntegration(handler, &awsapigateway.LambdaIntegrationOptions{
		Proxy:           jsii.Bool(true),
		AllowTestInvoke: jsii.Bool(false),
	})
	jobs := api.Root().AddResource(jsii.String("jobs"), nil)
	// No request validator or model: the function checks every body and
	// answers field-level problem+json, the same in both shapes.
	jobs.AddMethod(jsii.String("POST"), integration, iamOnly)
	jobs.AddMethod(jsii.String("GET"), integration, iamOnly)
	job := jobs.AddResource(jsii.String("{id}"), nil)
	job.AddMethod(jsii.String("GET"), integration, iamOnly)
	job.AddMethod(jsii.String("DELETE"), integration, iamOnly)
	for _, path := range []string{"healthz", "openapi.json"} {
		api.Root().AddResource(jsii.String(path), nil).AddMethod(jsii.String("GET"), integration, iamOnly)
	}

	addProblemResponses(api)
	invokeRole := newInvokeRole(stack, api)
	suppressAPIRules(api, invokeRole)
	return restAPI{api: api, invokeRole: invokeRole}
}

// problemResponse is one of API Gateway's own error responses.
type problemResponse struct {
	kind   awsapigateway.ResponseType
	status int
	detail string // JSON: a quoted string or a variable that is one
}

// problemResponses are API Gateway's own error responses (signature
// checks, body validation, throttling, timeouts) rendered as RFC 9457
// problem details, the shape the function answers with. A gateway response
// template is plain substitution: $context.error.messageString comes quoted.
func problemResponses() []problemResponse {
	return []problemResponse{
		{awsapigateway.ResponseType_BAD_REQUEST_BODY(), http.StatusBadRequest,
			`"the body must be a JSON object: {\"seconds\": N} with N an integer of at least 1, or {\"type\": \"<name>\", \"parameters\": {...}}"`},
		{awsapigateway.ResponseType_MISSING_AUTHENTICATION_TOKEN(), http.StatusForbidden,
			`"the request is not signed (SigV4, service execute-api), or no resource has this method and path"`},
		{awsapigateway.ResponseType_INVALID_SIGNATURE(), http.StatusForbidden, "$context.error.messageString"},
		{awsapigateway.ResponseType_EXPIRED_TOKEN(), http.StatusForbidden, "$context.error.messageString"},
		{awsapigateway.ResponseType_ACCESS_DENIED(), http.StatusForbidden, "$context.error.messageString"},
		{awsapigateway.ResponseType_REQUEST_TOO_LARGE(), http.StatusRequestEntityTooLarge, "$context.error.messageString"},
		{awsapigateway.ResponseType_THROTTLED(), http.StatusTooManyRequests, `"too many requests; try again after Retry-After seconds"`},
		{awsapigateway.ResponseType_INTEGRATION_TIMEOUT(), http.StatusGatewayTimeout, `"the API did not answer in time"`},
		{awsapigateway.ResponseType_INTEGRATION_FAILURE(), http.StatusBadGateway, `"the API could not be reached"`},
	}
}

// addProblemResponses sets problemResponses on api.
func addProblemResponses(api awsapigateway.RestApi) {
	for _, r := range problemResponses() {
		headers := map[string]*string{"Content-Type": jsii.String("'application/problem+json'")}
		if r.status == http.StatusTooManyRequests {
			headers["Retry-After"] = jsii.String("'1'")
		}
		body := fmt.Sprintf(`{"type":"about:blank","title":%q,"status":%d,"detail":%s}`, http.StatusText(r.status), r.status, r.detail)
		api.AddGatewayResponse(jsii.String("Problem"+*r.kind.ResponseType()), &awsapigateway.GatewayResponseOptions{
			Type:            r.kind,
			StatusCode:      jsii.String(fmt.Sprint(r.status)),
			ResponseHeaders: &headers,
			Templates:       &map[string]*string{"application/json": jsii.String(body)},
		})
	}
}

// newInvokeRole creates JobsAPIInvokeRole, which may call the routes of this
// API's stage and nothing else. Only IAM users of the account may assume
// it, each with their own user name as the session name (${aws:username}
// exists for IAM users only), so its session ARN names one IAM user and the
// API function can take it as the owner of the caller's jobs.
func newInvokeRole(stack awscdk.Stack, api awsapigateway.RestApi) awsiam.Role {
	role := awsiam.NewRole(stack, jsii.String("JobsAPIInvokeRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewAccountRootPrincipal().WithConditions(&map[string]any{
			"StringEquals": map[string]any{
				"aws:PrincipalType":   "User",
				"sts:RoleSessionName": "${aws:username}",
			},
		}),
		Description: jsii.String("Calls the jobs API: POST /jobs, GET /jobs, GET /jobs/*, DELETE /jobs/*, GET /healthz, GET /openapi.json; " +
			"IAM users assume it with their user name as the session name"),
	})
	arns := make([]*string, 0, len(apiRoutes))
	for _, r := range apiRoutes {
		arns = append(arns, api.ArnForExecuteApi(jsii.String(r.method), jsii.String(r.path), api.DeploymentStage().StageName()))
	}
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("execute-api:Invoke"),
		Resources: &arns,
	}))
	return role
}
