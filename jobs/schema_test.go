package jobs_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// schemaOf registers a type whose parameters are P and returns their schema.
func schemaOf[P any](t *testing.T) (map[string]any, error) {
	t.Helper()
	reg, err := jobs.NewRegistry(jobs.Define("t", 0, func(context.Context, P, jobs.Reporter) (any, error) { return nil, nil }))
	if err != nil {
		return nil, err
	}
	raw, ok := reg.ParameterSchema("t")
	if !ok {
		t.Fatal("no schema for a registered type")
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s, nil
}

// property returns the compact JSON of the schema's property "v".
func property(t *testing.T, s map[string]any) string {
	t.Helper()
	b, err := json.Marshal(s["properties"].(map[string]any)["v"])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRuleMappings is the table of every validator rule a job type may use
// and the keywords it becomes; a rule outside it makes NewRegistry fail
// (TestUnmappedRuleRefused), so no rule is missing from the documents.
func TestRuleMappings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		schema func(*testing.T) (map[string]any, error)
		want   string
	}{
		{"int min max", schemaOf[struct {
			V int `json:"v" validate:"min=1,max=9"`
		}], `{"maximum":9,"minimum":1,"type":"integer"}`},
		{"int gte lte", schemaOf[struct {
			V int `json:"v" validate:"gte=1,lte=9"`
		}], `{"maximum":9,"minimum":1,"type":"integer"}`},
		{"float gt lt", schemaOf[struct {
			V float64 `json:"v" validate:"gt=0.5,lt=2"`
		}], `{"exclusiveMaximum":2,"exclusiveMinimum":0.5,"type":"number"}`},
		{"int len", schemaOf[struct {
			V int `json:"v" validate:"len=3"`
		}], `{"const":3,"type":"integer"}`},
		{"string lengths", schemaOf[struct {
			V string `json:"v" validate:"min=2,max=5"`
		}], `{"maxLength":5,"minLength":2,"type":"string"}`},
		{"string gt lt", schemaOf[struct {
			V string `json:"v" validate:"gt=2,lt=5"`
		}], `{"maxLength":4,"minLength":3,"type":"string"}`},
		{"string len", schemaOf[struct {
			V string `json:"v" validate:"len=4"`
		}], `{"maxLength":4,"minLength":4,"type":"string"}`},
		{"string oneof", schemaOf[struct {
			V string `json:"v" validate:"oneof=red green"`
		}], `{"enum":["red","green"],"type":"string"}`},
		{"int oneof", schemaOf[struct {
			V int `json:"v" validate:"oneof=1 2"`
		}], `{"enum":[1,2],"type":"integer"}`},
		{"email", schemaOf[struct {
			V string `json:"v" validate:"email"`
		}], `{"format":"email","type":"string"}`},
		{"url", schemaOf[struct {
			V string `json:"v" validate:"url"`
		}], `{"format":"uri","type":"string"}`},
		{"uuid", schemaOf[struct {
			V string `json:"v" validate:"uuid"`
		}], `{"format":"uuid","type":"string"}`},
		{"slice items", schemaOf[struct {
			V []string `json:"v" validate:"min=1,max=3"`
		}], `{"items":{"type":"string"},"maxItems":3,"minItems":1,"type":"array"}`},
		{"map members", schemaOf[struct {
			V map[string]int `json:"v" validate:"max=3"`
		}], `{"additionalProperties":{"type":"integer"},"maxProperties":3,"type":"object"}`},
		{"required string is not empty", schemaOf[struct {
			V string `json:"v" validate:"required"`
		}], `{"minLength":1,"type":"string"}`},
		{"required int is not 0", schemaOf[struct {
			V int `json:"v" validate:"required"`
		}], `{"not":{"const":0},"type":"integer"}`},
		{"required bool is true", schemaOf[struct {
			V bool `json:"v" validate:"required"`
		}], `{"const":true,"type":"boolean"}`},
		{"required pointer is present", schemaOf[struct {
			V *int `json:"v" validate:"required,min=0"`
		}], `{"minimum":0,"type":"integer"}`},
		{"omitempty lets the zero value through", schemaOf[struct {
			V int `json:"v" validate:"omitempty,min=1"`
		}], `{"anyOf":[{"minimum":1},{"const":0}],"type":"integer"}`},
		{"omitempty whose rules take the zero value", schemaOf[struct {
			V string `json:"v" validate:"omitempty,max=3"`
		}], `{"maxLength":3,"type":"string"}`},
		{"description tag", schemaOf[struct {
			V int `json:"v" jsonschema:"description=How many."`
		}], `{"description":"How many.","type":"integer"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := tt.schema(t)
			if err != nil {
				t.Fatal(err)
			}
			if got := property(t, s); got != tt.want {
				t.Errorf("property v = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSchemaObject(t *testing.T) {
	t.Parallel()
	type Inner struct {
		N int `json:"n" validate:"max=2"`
	}
	type Embedded struct {
		E string `json:"e" validate:"required"`
	}
	s, err := schemaOf[struct {
		Embedded
		V      Inner  `json:"v"`
		Hidden string `json:"-"`
		Plain  string `json:"plain,omitempty"`
	}](t)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(s)
	want := `{"additionalProperties":false,"properties":{"e":{"minLength":1,"type":"string"},` +
		`"plain":{"type":"string"},"v":{"additionalProperties":false,"properties":{"n":{"maximum":2,"type":"integer"}},"type":"object"}},` +
		`"required":["e"],"type":"object"}`
	if string(got) != want {
		t.Errorf("schema = %s\nwant      %s", got, want)
	}
}

func TestUnmappedRuleRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		schema func(*testing.T) (map[string]any, error)
		rule   string
	}{
		{"unknown rule", schemaOf[struct {
			V string `json:"v" validate:"ip"`
		}], `"ip"`},
		{"alternatives", schemaOf[struct {
			V string `json:"v" validate:"email|uuid"`
		}], `"email|uuid"`},
		{"length rule on a bool", schemaOf[struct {
			V bool `json:"v" validate:"max=1"`
		}], `"max=1"`},
		{"nested field", schemaOf[struct {
			V struct {
				N string `json:"n" validate:"dive"`
			} `json:"v"`
		}], `"dive"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.schema(t)
			if err == nil || !strings.Contains(err.Error(), tt.rule) || !strings.Contains(err.Error(), "no JSON Schema mapping") {
				t.Errorf("NewRegistry error = %v, want one naming the rule %s", err, tt.rule)
			}
		})
	}
}
