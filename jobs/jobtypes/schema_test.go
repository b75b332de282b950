package jobtypes_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
)

// TestParameterSchemasAgree checks that each shipped type's parameter schema
// accepts the bodies the type accepts and refuses those it refuses. Bodies
// with null are left out: the decoder reads null as the zero value, and the
// schemas describe the values to send (see jobs.parameterSchema).
func TestParameterSchemasAgree(t *testing.T) {
	t.Parallel()
	reg, err := jobtypes.New(jobtypes.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		typ, body string
		valid     bool
	}{
		{jobtypes.Sleep, `{"seconds":1}`, true},
		{jobtypes.Sleep, `{"seconds":301}`, true}, // fails in the processor, not at submission
		{jobtypes.Sleep, `{"seconds":0}`, false},
		{jobtypes.Sleep, `{"seconds":-3}`, false},
		{jobtypes.Sleep, `{}`, false},
		{jobtypes.Sleep, `{"seconds":"5"}`, false},
		{jobtypes.Sleep, `{"seconds":2.5}`, false},
		{jobtypes.Sleep, `{"seconds":1,"extra":1}`, false},
		{jobtypes.Sleep, `[]`, false},
		{jobtypes.FullName, `{"name":"Ada","surname":"Lovelace"}`, true},
		{jobtypes.FullName, `{"name":"Ada"}`, false},
		{jobtypes.FullName, `{"name":"","surname":"Lovelace"}`, false},
		{jobtypes.FullName, `{"name":"Ada","surname":"` + string(bytes.Repeat([]byte("é"), 200)) + `"}`, true},
		{jobtypes.FullName, `{"name":"Ada","surname":"` + string(bytes.Repeat([]byte("é"), 201)) + `"}`, false},
		{jobtypes.Order, `{"orderId":"o-1"}`, true},
		{jobtypes.Order, `{"orderId":"o-1","items":0}`, true}, // omitempty: 0 means not given
		{jobtypes.Order, `{"orderId":"o-1","items":1000}`, true},
		{jobtypes.Order, `{"orderId":"o-1","items":1001}`, false},
		{jobtypes.Order, `{"orderId":"o-1","items":-1}`, false},
		{jobtypes.Order, `{"items":2}`, false},
		{jobtypes.Order, `{"orderId":"` + string(bytes.Repeat([]byte("x"), 101)) + `"}`, false},
		{jobtypes.Noop, `{}`, true},
		{jobtypes.Noop, `{"x":1}`, false},
	}
	schemas := map[string]*jsonschema.Schema{}
	for _, name := range reg.Names() {
		raw, ok := reg.ParameterSchema(name)
		if !ok {
			t.Fatalf("type %s has no parameter schema", name)
		}
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft2020
		if err := c.AddResource(name+".json", bytes.NewReader(raw)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if schemas[name], err = c.Compile(name + ".json"); err != nil {
			t.Fatalf("%s: schema %s does not compile: %v", name, raw, err)
		}
	}
	for _, tt := range tests {
		var body any
		if err := json.Unmarshal([]byte(tt.body), &body); err != nil {
			t.Fatal(err)
		}
		_, typeErr := reg.Parameters(tt.typ, json.RawMessage(tt.body))
		schemaErr := schemas[tt.typ].Validate(body)
		if (typeErr == nil) != tt.valid {
			t.Errorf("%s %s: the type's error = %v, want valid %v", tt.typ, tt.body, typeErr, tt.valid)
		}
		if (schemaErr == nil) != tt.valid {
			t.Errorf("%s %s: the schema's error = %v, want valid %v", tt.typ, tt.body, schemaErr, tt.valid)
		}
	}
}
