// Package awsstack reads the CloudFormation template that `cdk synth` writes
// for the stack (infra/cdk.out/<stack>.template.json) into what a local run
// of the stack needs: the Lambda functions with their environment, memory,
// timeout, bootstrap and asynchronous invocation settings, the DynamoDB
// table, the REST API's routes, the AppSync Events API and the EventBridge
// buses with their archives and rules. References between resources (Ref,
// Fn::GetAtt, Fn::Join, Fn::Sub, Fn::If) are resolved to local names and
// endpoints, so nothing of the stack's wiring is written twice.
package awsstack

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// Resource types the reader understands.
const (
	typeFunction          = "AWS::Lambda::Function"
	typeEventInvokeConfig = "AWS::Lambda::EventInvokeConfig"
	typeTable             = "AWS::DynamoDB::Table"
	typeRestAPI           = "AWS::ApiGateway::RestApi"
	typeAPIResource       = "AWS::ApiGateway::Resource"
	typeAPIMethod         = "AWS::ApiGateway::Method"
	typeAPIStage          = "AWS::ApiGateway::Stage"
	typeGatewayResponse   = "AWS::ApiGateway::GatewayResponse"
	typeAPIModel          = "AWS::ApiGateway::Model"
	typeEventsAPI         = "AWS::AppSync::Api"
	typeChannelNamespace  = "AWS::AppSync::ChannelNamespace"
	typeAPIKey            = "AWS::AppSync::ApiKey"
	typeEventBus          = "AWS::Events::EventBus"
	typeArchive           = "AWS::Events::Archive"
	typeRule              = "AWS::Events::Rule"
	typeRole              = "AWS::IAM::Role"
)

// template is a CloudFormation template as JSON.
type template struct {
	Resources  map[string]resource            `json:"Resources"`
	Parameters map[string]parameter           `json:"Parameters"`
	Conditions map[string]any                 `json:"Conditions"`
	Outputs    map[string]struct{ Value any } `json:"Outputs"`
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	Metadata   map[string]any `json:"Metadata"`
}

type parameter struct {
	Type    string `json:"Type"`
	Default any    `json:"Default"`
}

func readTemplate(path string) (*template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("awsstack: read the template: %w", err)
	}
	var t template
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("awsstack: %s is not a CloudFormation template: %w", path, err)
	}
	if len(t.Resources) == 0 {
		return nil, fmt.Errorf("awsstack: %s has no resources", path)
	}
	return &t, nil
}

// ofType returns the logical ids of the resources of type typ, sorted.
func (t *template) ofType(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
