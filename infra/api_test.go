package main

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// methodPaths maps each API Gateway method of the template to "METHOD /path".
func methodPaths(t *testing.T, tpl template) map[string]string {
	t.Helper()
	var path func(resourceID any) string
	path = func(resourceID any) string {
		m, _ := resourceID.(map[string]any)
		if id, ok := m["Ref"].(string); ok {
			r := tpl.Resources[id]
			return path(r.Properties["ParentId"]) + "/" + r.Properties["PathPart"].(string)
		}
		return "" // Fn::GetAtt [RestApi, RootResourceId]
	}
	routes := map[string]string{}
	for id, m := range tpl.ofType("AWS::ApiGateway::Method") {
		routes[id] = m.Properties["HttpMethod"].(string) + " " + path(m.Properties["ResourceId"])
	}
	return routes
}

func TestEveryMethodRequiresIAM(t *testing.T) {
	tpl := setup(t)
	methods := tpl.ofType("AWS::ApiGateway::Method")
	if len(methods) != 6 {
		t.Errorf("want 6 methods, got %d", len(methods))
	}
	for id, m := range methods {
		if got := m.Properties["AuthorizationType"]; got != "AWS_IAM" {
			t.Errorf("method %s: AuthorizationType %v, want AWS_IAM", id, got)
		}
	}
	routes := slices.Sorted(maps.Values(methodPaths(t, tpl)))
	// The function serves /healthz and /openapi.json too: signed like the rest.
	want := []string{"DELETE /jobs/{id}", "GET /healthz", "GET /jobs", "GET /jobs/{id}", "GET /openapi.json", "POST /jobs"}
	if !slices.Equal(routes, want) {
		t.Errorf("routes = %v, want %v", routes, want)
	}
}

func TestMethodsProxyToTheAPIFunction(t *testing.T) {
	tpl := setup(t)
	apiFn := tpl.functionID(t, "Api")
	for id, m := range tpl.ofType("AWS::ApiGateway::Method") {
		integration, _ := m.Properties["Integration"].(map[string]any)
		if integration["Type"] != "AWS_PROXY" {
			t.Errorf("method %s: integration type %v, want AWS_PROXY", id, integration["Type"])
		}
		if uri := render(integration["Uri"]); !strings.Contains(uri, "${"+apiFn+".Arn}") {
			t.Errorf("method %s: integration URI %s does not name the API function", id, uri)
		}
	}
	if _, api := tpl.one(t, "AWS::ApiGateway::RestApi", "JobsApi"); !same(api.Properties["EndpointConfiguration"], map[string]any{"Types": []string{"REGIONAL"}}) {
		t.Errorf("EndpointConfiguration = %v, want REGIONAL", api.Properties["EndpointConfiguration"])
	}
}

// TestTheFunctionValidatesSubmitBodies pins that API Gateway passes every
// POST /jobs body to the function, which answers a bad one with its
// field-level problem+json (errors[] of field and rule) as jobsd does: a
// request validator and model would answer BAD_REQUEST_BODY instead.
func TestTheFunctionValidatesSubmitBodies(t *testing.T) {
	tpl := setup(t)
	if validators := tpl.ofType("AWS::ApiGateway::RequestValidator"); len(validators) > 0 {
		t.Errorf("request validators %v: the function validates every body", slices.Collect(maps.Keys(validators)))
	}
	if models := tpl.ofType("AWS::ApiGateway::Model"); len(models) > 0 {
		t.Errorf("models %v: the function validates every body", slices.Collect(maps.Keys(models)))
	}
	apiFn := tpl.functionID(t, "Api")
	found := false
	for id, route := range methodPaths(t, tpl) {
		m := tpl.Resources[id]
		if m.Properties["RequestValidatorId"] != nil || m.Properties["RequestModels"] != nil {
			t.Errorf("%s: validator %v, models %v; want neither", route, m.Properties["RequestValidatorId"], m.Properties["RequestModels"])
		}
		if route != "POST /jobs" {
			continue
		}
		found = true
		integration, _ := m.Properties["Integration"].(map[string]any)
		if integration["Type"] != "AWS_PROXY" || !strings.Contains(render(integration["Uri"]), "${"+apiFn+".Arn}") {
			t.Errorf("POST /jobs: integration %v, want the API function's proxy", integration)
		}
	}
	if !found {
		t.Error("no POST /jobs method")
	}
}

func TestStageIsLoggedAndThrottled(t *testing.T) {
	tpl := setup(t)
	_, stage := tpl.one(t, "AWS::ApiGateway::Stage", "JobsApiDeploymentStage")
	if stage.Properties["StageName"] != stageName {
		t.Errorf("StageName = %v, want %s", stage.Properties["StageName"], stageName)
	}
	logs, _ := stage.Properties["AccessLogSetting"].(map[string]any)
	accessLogsID, _ := tpl.one(t, "AWS::Logs::LogGroup", "ApiAccessLogs")
	if !same(logs["DestinationArn"], getAtt(accessLogsID, "Arn")) {
		t.Errorf("access logs go to %v, want %s", logs["DestinationArn"], accessLogsID)
	}
	// $context.error.messageString is a quoted string: stand one in.
	line := strings.ReplaceAll(logs["Format"].(string), "$context.error.messageString", `"Forbidden"`)
	var entry map[string]string
	if err := json.Unmarshal([]byte(line), &entry); err != nil {
		t.Errorf("an access log line is not a JSON object of strings: %v\n%s", err, line)
	}
	if entry["requestId"] != "$context.requestId" || entry["userArn"] != "$context.identity.userArn" {
		t.Errorf("access log lacks the request id or the caller: %v", entry)
	}
	want := []any{map[string]any{
		"HttpMethod": "*", "ResourcePath": "/*", "DataTraceEnabled": false,
		"ThrottlingRateLimit": float64(defaultThrottleRate), "ThrottlingBurstLimit": float64(defaultThrottleBurst),
	}}
	if !same(stage.Properties["MethodSettings"], want) {
		t.Errorf("MethodSettings = %v, want %v", stage.Properties["MethodSettings"], want)
	}
	if len(tpl.ofType("AWS::ApiGateway::Account")) != 1 {
		t.Error("no AWS::ApiGateway::Account: access logging needs the account's CloudWatch role")
	}
}

func TestGatewayErrorsAreProblemDetails(t *testing.T) {
	tpl := setup(t)
	responses := tpl.ofType("AWS::ApiGateway::GatewayResponse")
	var types []string
	for id, r := range responses {
		types = append(types, r.Properties["ResponseType"].(string))
		params, _ := r.Properties["ResponseParameters"].(map[string]any)
		if params["gatewayresponse.header.Content-Type"] != "'application/problem+json'" {
			t.Errorf("%s: Content-Type %v, want application/problem+json", id, params["gatewayresponse.header.Content-Type"])
		}
		templates, _ := r.Properties["ResponseTemplates"].(map[string]any)
		body := strings.ReplaceAll(templates["application/json"].(string), "$context.error.messageString", `"Missing Authentication Token"`)
		var problem struct {
			Type, Title, Detail string
			Status              int
		}
		if err := json.Unmarshal([]byte(body), &problem); err != nil {
			t.Errorf("%s: body is not JSON: %v\n%s", id, err, body)
			continue
		}
		if problem.Type != "about:blank" || problem.Title == "" || problem.Detail == "" || r.Properties["StatusCode"] != strconv.Itoa(problem.Status) {
			t.Errorf("%s: problem %+v with status code %v", id, problem, r.Properties["StatusCode"])
		}
	}
	for _, want := range []string{"BAD_REQUEST_BODY", "MISSING_AUTHENTICATION_TOKEN", "INVALID_SIGNATURE", "ACCESS_DENIED", "THROTTLED"} {
		if !slices.Contains(types, want) {
			t.Errorf("no gateway response for %s (have %v)", want, types)
		}
	}
}

// TestInvokeRoleIsForIAMUsersUnderTheirOwnName pins the trust policy the API
// function relies on: a session of the invoke role names the IAM user who
// assumed it (${aws:username} exists for IAM users only).
func TestInvokeRoleIsForIAMUsersUnderTheirOwnName(t *testing.T) {
	tpl := setup(t)
	_, role := tpl.one(t, "AWS::IAM::Role", "JobsAPIInvokeRole")
	trust := list(role.Properties["AssumeRolePolicyDocument"].(map[string]any)["Statement"])
	if len(trust) != 1 {
		t.Fatalf("trust policy %v, want one statement", trust)
	}
	s := trust[0].(map[string]any)
	if s["Effect"] != "Allow" || !same(s["Action"], "sts:AssumeRole") {
		t.Errorf("trust statement %v, want Allow sts:AssumeRole only (no sts:SetSourceIdentity, no sts:TagSession)", s)
	}
	if principal := render(s["Principal"].(map[string]any)["AWS"]); principal != "arn:${AWS::Partition}:iam::123456789012:root" {
		t.Errorf("the role trusts %s, want the account's principals", principal)
	}
	want := map[string]any{"StringEquals": map[string]any{
		"aws:PrincipalType":   "User",
		"sts:RoleSessionName": "${aws:username}",
	}}
	if !same(s["Condition"], want) {
		t.Errorf("trust condition %v, want %v", s["Condition"], want)
	}
}

func TestInvokeRoleAllowsOnlyTheAPIRoutes(t *testing.T) {
	tpl := setup(t)
	roleID, _ := tpl.one(t, "AWS::IAM::Role", "JobsAPIInvokeRole")
	apiID, _ := tpl.one(t, "AWS::ApiGateway::RestApi", "JobsApi")
	stageID, _ := tpl.one(t, "AWS::ApiGateway::Stage", "JobsApiDeploymentStage")
	prefix := "arn:${AWS::Partition}:execute-api:eu-west-1:123456789012:${" + apiID + "}/${" + stageID + "}/"

	statements := statementsOf(t, tpl, roleID)
	if len(statements) != 1 {
		t.Fatalf("want one statement for the invoke role, got %v", statements)
	}
	s := statements[0]
	if !same(s["Action"], "execute-api:Invoke") || s["Effect"] != "Allow" {
		t.Errorf("statement %v, want Allow execute-api:Invoke", s)
	}
	var routes []string
	for _, r := range list(s["Resource"]) {
		arn := render(r)
		route, ok := strings.CutPrefix(arn, prefix)
		if !ok {
			t.Errorf("resource %s is not a route of this API's stage (%s...)", arn, prefix)
		}
		routes = append(routes, route)
	}
	slices.Sort(routes)
	if want := []string{"DELETE/jobs/*", "GET/healthz", "GET/jobs", "GET/jobs/*", "GET/openapi.json", "POST/jobs"}; !slices.Equal(routes, want) {
		t.Errorf("routes = %v, want exactly %v", routes, want)
	}
}
