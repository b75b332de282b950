package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// The cdk-nag AwsSolutions rules this stack does not follow, each with its
// reason, recorded on the resource they concern (the infra tests run the
// pack and fail on any finding without one).

// suppress records on c (and its children) that rule does not apply, and why;
// appliesTo narrows a granular rule (IAM4, IAM5) to the findings named.
func suppress(c constructs.IConstruct, rule, reason string, appliesTo ...any) {
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		s.AppliesTo = &appliesTo
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(true))
}

// suppressAPIRules records why the REST API departs from AwsSolutions.
func suppressAPIRules(api awsapigateway.RestApi, invokeRole constructs.IConstruct) {
	suppress(api, "AwsSolutions-COG4",
		"Callers sign every request with SigV4 (AWS_IAM): they are IAM principals, through the invoke role, and own jobs "+
			"by that identity; the product has no Cognito user pool to authorize against")
	suppress(api, "AwsSolutions-APIG2",
		"The function validates every body and answers field-level problem+json; a gateway model would answer "+
			"differently from the local shape")
	suppress(api.DeploymentStage(), "AwsSolutions-APIG6",
		"Every request is access-logged as JSON (status, integration status and latency, API Gateway's error message) "+
			"to a log group with retention; execution logging would add a log group API Gateway creates without one")
	suppress(api.DeploymentStage(), "AwsSolutions-APIG3",
		"Every method requires SigV4, so API Gateway refuses unsigned requests before they reach the function, and the "+
			"stage is throttled; attach a WAF web ACL per deployment where the account's policy asks for one")
	suppress(api.Node().FindChild(jsii.String("CloudWatchRole")), "AwsSolutions-IAM4",
		"API Gateway's account-wide role for writing access logs; AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS "+
			"documents for it, and API Gateway picks the log groups it writes, so no narrower resource list fits",
		"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
	suppress(invokeRole, "AwsSolutions-IAM5",
		"The * is the job id of GET and DELETE /jobs/{id}: an execute-api ARN cannot name a path parameter otherwise; the "+
			"role stays on this API's stage and these methods",
		&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:<AWS::Partition>:execute-api:.*\/(GET|DELETE)\/jobs\/\*$/`)})
}
