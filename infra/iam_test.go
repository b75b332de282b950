package main

import (
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// statements returns the statements of an AWS::IAM::Policy.
func statements(p resource) []map[string]any {
	doc, _ := p.Properties["PolicyDocument"].(map[string]any)
	var found []map[string]any
	for _, s := range list(doc["Statement"]) {
		found = append(found, s.(map[string]any))
	}
	return found
}

// statementsOf returns the statements of the inline policies attached to a role.
func statementsOf(t *testing.T, tpl template, roleID string) []map[string]any {
	t.Helper()
	var found []map[string]any
	for _, p := range tpl.ofType("AWS::IAM::Policy") {
		if slices.ContainsFunc(list(p.Properties["Roles"]), func(r any) bool { return same(r, ref(roleID)) }) {
			found = append(found, statements(p)...)
		}
	}
	return found
}

var referenced = regexp.MustCompile(`\$\{([A-Za-z0-9]+)[.}]`)

// targets returns the logical ids of this template that a statement
// resource names (its Ref and Fn::GetAtt).
func targets(tpl template, resourceValue any) []string {
	var ids []string
	for _, m := range referenced.FindAllStringSubmatch(render(resourceValue), -1) {
		if _, ok := tpl.Resources[m[1]]; ok {
			ids = append(ids, m[1])
		}
	}
	return ids
}

func TestNoStatementGrantsEveryResource(t *testing.T) {
	tpl := setup(t)
	for id, p := range tpl.ofType("AWS::IAM::Policy") {
		for _, s := range statements(p) {
			for _, r := range list(s["Resource"]) {
				if r == "*" {
					t.Errorf("policy %s allows %v on every resource", id, s["Action"])
				} else if len(targets(tpl, r)) == 0 {
					t.Errorf("policy %s allows %v on %s, which is none of this stack's resources", id, s["Action"], render(r))
				}
			}
		}
	}
}

// grantedServices are the services whose grants TestFunctionsHaveLeastPrivilege pins.
var grantedServices = []string{"dynamodb", "kms", "lambda", "appsync", "events", "logs"}

// grants lists, for one role, each action of grantedServices it is allowed,
// with the resources it is allowed on, rendered (${Id.Arn}, ${Id.Arn}:*).
func grants(t *testing.T, tpl template, roleID string) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	for _, s := range statementsOf(t, tpl, roleID) {
		if s["Effect"] != "Allow" {
			continue
		}
		for _, a := range list(s["Action"]) {
			action := a.(string)
			service, _, _ := strings.Cut(action, ":")
			if !slices.Contains(grantedServices, service) {
				continue
			}
			for _, r := range list(s["Resource"]) {
				found[action] = append(found[action], render(r))
			}
			slices.Sort(found[action])
			found[action] = slices.Compact(found[action])
		}
	}
	return found
}

// roleOf is the logical id of a function's role.
func roleOf(tpl template, functionID string) string {
	return tpl.Resources[functionID].Properties["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
}

// TestFunctionsHaveLeastPrivilege pins every action each function's role
// may take, on exactly which resources. The DynamoDB actions are the calls
// of jobs/dynamostore that each function's code makes: the API creates
// (GetItem, PutItem), reads, cancels (Update: GetItem, PutItem), deletes
// a job it could not dispatch (DeleteItem) and lists (Query on the index
// byOwner); the processor and the error handler only Update.
func TestFunctionsHaveLeastPrivilege(t *testing.T) {
	tpl := setup(t)
	arn := func(typ, prefix, attribute string) string {
		id, _ := tpl.one(t, typ, prefix)
		return render(getAtt(id, attribute))
	}
	table := []string{arn("AWS::DynamoDB::Table", "JobsTable", "Arn")}
	key := []string{arn("AWS::KMS::Key", "JobsTableKey", "Arn")}
	bus := []string{arn("AWS::Events::EventBus", "FailureBus", "Arn")}
	eventsAPI := []string{arn("AWS::AppSync::Api", "JobEventsApi", "ApiArn")}
	namespace := []string{arn("AWS::AppSync::ChannelNamespace", "JobEventsNamespace", "ChannelNamespaceArn")}
	apiFn, processor, errorHandler := tpl.functionID(t, "Api"), tpl.functionID(t, "Processor"), tpl.functionID(t, "ErrorHandler")
	logsOf := func(name string) []string { return []string{arn("AWS::Logs::LogGroup", name+"Logs", "Arn")} }

	for _, tc := range []struct {
		function string
		want     map[string][]string
	}{
		{apiFn, map[string][]string{
			"dynamodb:GetItem": table, "dynamodb:PutItem": table, "dynamodb:DeleteItem": table,
			"dynamodb:Query": {table[0] + "/index/byOwner"}, // the list, on its index only
			"kms:Decrypt":    key, "kms:DescribeKey": key, "kms:Encrypt": key, "kms:GenerateDataKey": key,
			"logs:CreateLogStream":   logsOf("Api"),
			"logs:PutLogEvents":      logsOf("Api"),
			"lambda:InvokeFunction":  {render(getAtt(processor, "Arn"))}, // not its versions (Arn:*)
			"appsync:EventPublish":   namespace,
			"appsync:EventConnect":   eventsAPI,
			"appsync:EventSubscribe": namespace,
		}},
		{processor, map[string][]string{
			"dynamodb:GetItem": table, "dynamodb:PutItem": table,
			"kms:Decrypt": key, "kms:DescribeKey": key, "kms:Encrypt": key, "kms:GenerateDataKey": key,
			"logs:CreateLogStream":  logsOf("Processor"),
			"logs:PutLogEvents":     logsOf("Processor"),
			"lambda:InvokeFunction": {render(getAtt(errorHandler, "Arn"))},
			"appsync:EventPublish":  namespace,
		}},
		{errorHandler, map[string][]string{
			"dynamodb:GetItem": table, "dynamodb:PutItem": table,
			"kms:Decrypt": key, "kms:DescribeKey": key, "kms:Encrypt": key, "kms:GenerateDataKey": key,
			"logs:CreateLogStream": logsOf("ErrorHandler"),
			"logs:PutLogEvents":    logsOf("ErrorHandler"),
			"events:PutEvents":     bus,
			"appsync:EventPublish": namespace,
		}},
	} {
		got := grants(t, tpl, roleOf(tpl, tc.function))
		for _, action := range slices.Sorted(maps.Keys(got)) {
			if want, ok := tc.want[action]; !ok {
				t.Errorf("%s: allowed %s on %v, which it never calls", tc.function, action, got[action])
			} else if !slices.Equal(got[action], want) {
				t.Errorf("%s: %s on %v, want %v", tc.function, action, got[action], want)
			}
		}
		for _, action := range slices.Sorted(maps.Keys(tc.want)) {
			if _, ok := got[action]; !ok {
				t.Errorf("%s: missing %s", tc.function, action)
			}
		}
		role := tpl.Resources[roleOf(tpl, tc.function)]
		if managed := role.Properties["ManagedPolicyArns"]; managed != nil {
			t.Errorf("%s: managed policies %v (AWSLambdaBasicExecutionRole writes to every log group)", tc.function, managed)
		}
	}

	// No other role may touch the table, the functions or the events API.
	functionRoles := map[string]bool{}
	for _, fn := range []string{apiFn, processor, errorHandler} {
		functionRoles[roleOf(tpl, fn)] = true
	}
	for roleID := range tpl.ofType("AWS::IAM::Role") {
		if functionRoles[roleID] {
			continue
		}
		for action := range grants(t, tpl, roleID) {
			t.Errorf("role %s (not a function's) is allowed %s", roleID, action)
		}
	}
}

// allowsAction says whether an Allow statement's Action (or a NotAction)
// covers action, IAM wildcards included.
func allowsAction(s map[string]any, action string) bool {
	if s["Effect"] != "Allow" {
		return false
	}
	if s["NotAction"] != nil {
		return true // allows everything but a list: too broad to be here at all
	}
	for _, a := range list(s["Action"]) {
		pattern, _ := a.(string)
		if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(action)); ok {
			return true
		}
	}
	return false
}

// TestOnlyTheFunctionsMayPublishJobEvents looks at every policy of the
// template (attached, inline in a role, managed) for appsync:EventPublish,
// wildcards included: only the three functions' roles may publish.
func TestOnlyTheFunctionsMayPublishJobEvents(t *testing.T) {
	tpl := setup(t)
	var publishers []string
	for id, p := range tpl.ofType("AWS::IAM::Policy") {
		if !slices.ContainsFunc(statements(p), func(s map[string]any) bool { return allowsAction(s, "appsync:EventPublish") }) {
			continue
		}
		if p.Properties["Users"] != nil || p.Properties["Groups"] != nil {
			t.Errorf("policy %s lets users or groups publish job events", id)
		}
		for _, r := range list(p.Properties["Roles"]) {
			publishers = append(publishers, refID(r))
		}
	}
	for id, p := range tpl.ofType("AWS::IAM::ManagedPolicy") {
		if slices.ContainsFunc(statements(p), func(s map[string]any) bool { return allowsAction(s, "appsync:EventPublish") }) {
			t.Errorf("managed policy %s allows appsync:EventPublish", id)
		}
	}
	for id, role := range tpl.ofType("AWS::IAM::Role") {
		inlinePolicies, _ := role.Properties["Policies"].([]any)
		for _, inline := range inlinePolicies {
			doc, _ := inline.(map[string]any)["PolicyDocument"].(map[string]any)
			if slices.ContainsFunc(statements(resource{Properties: map[string]any{"PolicyDocument": doc}}),
				func(s map[string]any) bool { return allowsAction(s, "appsync:EventPublish") }) {
				publishers = append(publishers, id)
			}
		}
	}
	var functionRoles []string
	for _, fn := range []string{"Api", "Processor", "ErrorHandler"} {
		functionRoles = append(functionRoles, roleOf(tpl, tpl.functionID(t, fn)))
	}
	slices.Sort(publishers)
	slices.Sort(functionRoles)
	if !slices.Equal(slices.Compact(publishers), functionRoles) {
		t.Errorf("roles allowed to publish job events: %v, want the functions' only: %v", publishers, functionRoles)
	}
}
