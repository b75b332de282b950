package awsstack

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestResolveIntrinsics(t *testing.T) {
	t.Parallel()
	tmpl := &template{
		Resources: map[string]resource{
			"Fn":  {Type: typeFunction},
			"Bus": {Type: typeEventBus, Properties: map[string]any{"Name": "failures"}},
			"Key": {Type: "AWS::KMS::Key"},
		},
		Parameters: map[string]parameter{"Size": {Type: "Number", Default: float64(-1)}},
		Conditions: map[string]any{"Sized": map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "Size"}, "-1"}}}}},
	}
	cases := []struct {
		name   string
		local  Local
		expr   string
		want   any
		errHas string
	}{
		{"ref to a function", local, `{"Ref":"Fn"}`, "Stack-Fn", ""},
		{"bus arn by its name", local, `{"Fn::GetAtt":["Bus","Arn"]}`, "arn:aws:events:us-east-1:000000000000:event-bus/failures", ""},
		{"join", local, `{"Fn::Join":["",["https://",{"Fn::GetAtt":["Fn","Arn"]},"/x"]]}`, "https://arn:aws:lambda:us-east-1:000000000000:function:Stack-Fn/x", ""},
		{"sub", local, `{"Fn::Sub":"${AWS::Region}/${Fn.Arn}/${!Literal}"}`, "us-east-1/arn:aws:lambda:us-east-1:000000000000:function:Stack-Fn/${Literal}", ""},
		{"if on the default leaves the value out", local, `{"a":{"Fn::If":["Sized",{"Ref":"Size"},{"Ref":"AWS::NoValue"}]}}`, map[string]any{}, ""},
		{"if on a given parameter", Local{Region: "r", Account: "a", Parameters: map[string]string{"Size": "3"}}, `{"Fn::If":["Sized",{"Ref":"Size"},{"Ref":"AWS::NoValue"}]}`, "3", ""},
		{"attribute without a local value", local, `{"Fn::GetAtt":["Key","Arn"]}`, nil, "has no local value"},
		{"unknown function", local, `{"Fn::ImportValue":"x"}`, nil, "not supported locally"},
		{"unknown resource", local, `{"Ref":"Nope"}`, nil, "no such parameter or resource"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var expr any
			if err := json.Unmarshal([]byte(c.expr), &expr); err != nil {
				t.Fatal(err)
			}
			r := &resolver{t: tmpl, stack: "Stack", local: c.local}
			got, err := r.resolve(expr)
			if c.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), c.errHas) {
					t.Fatalf("resolve = %v, %v; want an error with %q", got, err, c.errHas)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("resolve = %#v, %v; want %#v", got, err, c.want)
			}
		})
	}
}
