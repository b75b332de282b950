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

// grants lists, for one role, each action of the services the stack grants
// on (DynamoDB, KMS, Lambda, AppSync, EventBridge) with the logical ids of
// the resources it is allowed on.
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
			if !slices.Contains([]string{"dynamodb", "kms", "lambda", "appsync", "events"}, service) {
				continue
			}
			for _, r := range list(s["Resource"]) {
				found[action] = append(found[action], targets(tpl, r)...)
			}
			slices.Sort(found[action])
			found[action] = slices.Compact(found[action])
		}
	}
	return found
}

func TestFunctionsHaveLeastPrivilege(t *testing.T) {
	tpl := setup(t)
	tableID, _ := tpl.one(t, "AWS::DynamoDB::Table", "JobsTable")
	keyID, _ := tpl.one(t, "AWS::KMS::Key", "JobsTableKey")
	busID, _ := tpl.one(t, "AWS::Events::EventBus", "FailureBus")
	eventsAPIID, _ := tpl.one(t, "AWS::AppSync::Api", "JobEventsApi")
	namespaceID, _ := tpl.one(t, "AWS::AppSync::ChannelNamespace", "JobEventsNamespace")
	apiFn, processor, errorHandler := tpl.functionID(t, "Api"), tpl.functionID(t, "Processor"), tpl.functionID(t, "ErrorHandler")

	for _, tc := range []struct {
		function string
		want     map[string][]string // besides the table's read/write grants
	}{
		{apiFn, map[string][]string{
			"lambda:InvokeFunction":  {processor},
			"appsync:EventPublish":   {namespaceID},
			"appsync:EventConnect":   {eventsAPIID},
			"appsync:EventSubscribe": {namespaceID},
		}},
		{processor, map[string][]string{
			"lambda:InvokeFunction": {errorHandler},
			"appsync:EventPublish":  {namespaceID},
		}},
		{errorHandler, map[string][]string{
			"events:PutEvents":     {busID},
			"appsync:EventPublish": {namespaceID},
		}},
	} {
		roleARN := tpl.Resources[tc.function].Properties["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		got := grants(t, tpl, roleARN)
		for _, action := range []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} {
			if _, ok := got[action]; !ok {
				t.Errorf("%s: no %s on the table", tc.function, action)
			}
		}
		for action, on := range got {
			switch {
			case strings.HasPrefix(action, "dynamodb:"):
				if !slices.Equal(on, []string{tableID}) {
					t.Errorf("%s: %s on %v, want the jobs table only", tc.function, action, on)
				}
			case strings.HasPrefix(action, "kms:"):
				if !slices.Equal(on, []string{keyID}) {
					t.Errorf("%s: %s on %v, want the table's key only", tc.function, action, on)
				}
			default:
				if !slices.Equal(on, tc.want[action]) {
					t.Errorf("%s: %s on %v, want %v", tc.function, action, on, tc.want[action])
				}
			}
		}
		for action := range maps.Keys(tc.want) {
			if _, ok := got[action]; !ok {
				t.Errorf("%s: missing %s", tc.function, action)
			}
		}
	}

	// No other role may touch the table, the functions or the events API.
	functionRoles := map[string]bool{}
	for _, fn := range []string{apiFn, processor, errorHandler} {
		functionRoles[tpl.Resources[fn].Properties["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)] = true
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
		functionRoles = append(functionRoles, tpl.Resources[tpl.functionID(t, fn)].Properties["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string))
	}
	slices.Sort(publishers)
	slices.Sort(functionRoles)
	if !slices.Equal(slices.Compact(publishers), functionRoles) {
		t.Errorf("roles allowed to publish job events: %v, want the functions' only: %v", publishers, functionRoles)
	}
}
