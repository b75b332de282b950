package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// testNow dates the events API key in every synthesized test stack.
var testNow = time.Date(2026, 11, 20, 15, 4, 5, 0, time.UTC)

func TestMain(m *testing.M) {
	// The jsii runtime (a Node child process) inherits these: Node 20 is
	// past its end of life for jsii, which would print a banner per process.
	os.Setenv("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// template is a synthesized CloudFormation template, decoded.
type template struct {
	Resources  map[string]resource
	Outputs    map[string]map[string]any
	Parameters map[string]map[string]any
	Conditions map[string]any
}

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
}

// dummyAssets creates an assets directory with a bootstrap per function,
// standing in for `make lambdas`.
func dummyAssets(dir string) error {
	for _, fn := range []string{apiAsset, processorAsset, errorHandlerAsset} {
		if err := os.MkdirAll(filepath.Join(dir, fn), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, fn, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// testConfig is the configuration with every default, as the app reads
// it from an empty context, using assets in dir.
func testConfig(t *testing.T, dir string, context map[string]any) Config {
	t.Helper()
	context[keyAssetsDir] = dir
	cfg, err := configFrom(func(key *string) any { return context[*key] }, testNow)
	if err != nil {
		t.Fatalf("configFrom: %v", err)
	}
	return cfg
}

// newTestStack adds the stack built from cfg to app, in a fixed account and region.
func newTestStack(app awscdk.App, id string, cfg Config) awscdk.Stack {
	return NewJobsStack(app, id, &JobsStackProps{
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{
			Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1"),
		}},
		Config: cfg,
	})
}

// decode synthesizes stack with assertions.Template_FromStack and decodes
// its template.
func decode(stack awscdk.Stack) (template, error) {
	raw, err := json.Marshal(assertions.Template_FromStack(stack, nil).ToJSON())
	if err != nil {
		return template{}, err
	}
	var tpl template
	return tpl, json.Unmarshal(raw, &tpl)
}

// synth builds the stack from cfg alone in an app and decodes its template.
func synth(cfg Config) (template, error) {
	return decode(newTestStack(awscdk.NewApp(nil), "TestJobs", cfg))
}

var defaultTemplate struct {
	once sync.Once
	tpl  template
	err  error
}

// setup returns the template of the stack with the default configuration,
// synthesized once for all tests (a synth takes seconds).
func setup(t *testing.T) template {
	t.Helper()
	defaultTemplate.once.Do(func() {
		dir, err := os.MkdirTemp("", "infra-assets-")
		if err != nil {
			defaultTemplate.err = err
			return
		}
		defer os.RemoveAll(dir)
		if err := dummyAssets(dir); err != nil {
			defaultTemplate.err = err
			return
		}
		cfg, err := configFrom(func(key *string) any {
			if *key == keyAssetsDir {
				return dir
			}
			return nil
		}, testNow)
		if err != nil {
			defaultTemplate.err = err
			return
		}
		defaultTemplate.tpl, defaultTemplate.err = synth(cfg)
	})
	if defaultTemplate.err != nil {
		t.Fatalf("synthesize the default stack: %v", defaultTemplate.err)
	}
	return defaultTemplate.tpl
}

// ofType returns the resources of a CloudFormation type by logical id.
func (tpl template) ofType(typ string) map[string]resource {
	found := map[string]resource{}
	for id, r := range tpl.Resources {
		if r.Type == typ {
			found[id] = r
		}
	}
	return found
}

// one returns the only resource of typ whose logical id starts with prefix
// (CDK appends a hash to the construct path).
func (tpl template) one(t *testing.T, typ, prefix string) (string, resource) {
	t.Helper()
	var ids []string
	for id := range tpl.ofType(typ) {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("want one %s with a logical id starting %q, got %v", typ, prefix, ids)
	}
	return ids[0], tpl.Resources[ids[0]]
}

// functionID is the logical id of one of the three functions.
func (tpl template) functionID(t *testing.T, name string) string {
	t.Helper()
	id, _ := tpl.one(t, "AWS::Lambda::Function", name+"Function")
	return id
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }
func getAtt(id, attribute string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attribute}}
}

// refID is X in {"Ref": X}, or "".
func refID(v any) string {
	m, _ := v.(map[string]any)
	id, _ := m["Ref"].(string)
	return id
}

// same compares a decoded template value with a Go value through JSON.
func same(got, want any) bool {
	var w any
	raw, err := json.Marshal(want)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		panic(err)
	}
	return reflect.DeepEqual(got, w)
}

// render writes an intrinsic-function value as a string: literals as they
// are, {"Ref": X} as ${X}, {"Fn::GetAtt": [X, A]} as ${X.A}, Fn::Join joined.
func render(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if id, ok := v["Ref"].(string); ok {
			return "${" + id + "}"
		}
		if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) == 2 {
			return fmt.Sprintf("${%v.%v}", att[0], att[1])
		}
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 {
			parts, _ := join[1].([]any)
			var b strings.Builder
			for i, p := range parts {
				if i > 0 {
					b.WriteString(join[0].(string))
				}
				b.WriteString(render(p))
			}
			return b.String()
		}
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// list returns v as a list: a lone value becomes a list of one.
func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}
