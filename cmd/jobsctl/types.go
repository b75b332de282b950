package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
)

// types lists the shipped job types and their parameters, from the same
// parameter schemas that the API's openapi.json and the console show.
func types(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("types takes no arguments, got %q", args)
	}
	reg, err := jobtypes.New(jobtypes.DefaultConfig())
	if err != nil {
		return err
	}
	for _, name := range reg.Names() {
		raw, _ := reg.ParameterSchema(name)
		var s parameterSchema
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("the parameter schema of %s: %w", name, err)
		}
		fmt.Fprintf(stdout, "%s\n  %s\n", name, s.Description)
		fields := make([]string, 0, len(s.Properties))
		for field := range s.Properties {
			fields = append(fields, field)
		}
		sort.Strings(fields)
		for _, field := range fields {
			fmt.Fprintf(stdout, "  %-10s %s\n", field, s.describe(field))
		}
	}
	return nil
}

// parameterSchema is what jobsctl shows of a type's parameter schema.
type parameterSchema struct {
	Description string
	Required    []string
	Properties  map[string]map[string]any
}

// describe says in one line what the parameter field takes.
func (s parameterSchema) describe(field string) string {
	p := s.Properties[field]
	parts := append([]string{fmt.Sprint(p["type"])}, constraints(p)...)
	if alternatives, ok := p["anyOf"].([]any); ok && len(alternatives) > 0 {
		if first, ok := alternatives[0].(map[string]any); ok {
			parts = append(parts, constraints(first)...)
		}
	}
	for _, r := range s.Required {
		if r == field {
			parts = append(parts, "required")
		}
	}
	line := strings.Join(parts, ", ")
	if d, ok := p["description"].(string); ok {
		line += ": " + d
	}
	return line
}

// constraints lists a schema's bounds, e.g. "minLength 1".
func constraints(s map[string]any) []string {
	var out []string
	for _, k := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "enum", "format"} {
		if v, ok := s[k]; ok {
			out = append(out, fmt.Sprintf("%s %v", k, v))
		}
	}
	return out
}
