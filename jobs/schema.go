package jobs

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/invopop/jsonschema"
)

// parameterSchema derives the JSON Schema (draft 2020-12, the dialect of
// OpenAPI 3.1) of the parameters P of a job type:
//   - property names are the json tags' names, as the decoder reads them;
//   - a property is required when its `validate` tag says required (the
//     decoder leaves a missing field at its zero value, so only the rule
//     makes it required);
//   - the `validate` rules become keywords (see applyRule); a rule without a
//     mapping is an error, so that no rule is missing from the documents;
//   - descriptions come from `jsonschema:"description=..."` field tags and
//     the type's Describe text;
//   - unknown members are refused (additionalProperties false), as the
//     decoder refuses them.
//
// JSON null is read as the zero value, as encoding/json does; the schema
// describes the values to send and leaves null out.
func parameterSchema(t reflect.Type, description string, v *validator.Validate) (json.RawMessage, error) {
	r := &jsonschema.Reflector{Anonymous: true, DoNotReference: true, ExpandedStruct: true, RequiredFromJSONSchemaTags: true}
	s := r.ReflectFromType(t)
	s.Version = ""
	if description != "" {
		s.Description = description
	}
	if err := applyRules(s, t, v); err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// applyRules adds the `validate` rules of struct t's fields to object, the
// schema reflected from t, descending into nested structs as the validator does.
func applyRules(object *jsonschema.Schema, t reflect.Type, v *validator.Validate) error {
	t = indirect(t)
	if t.Kind() != reflect.Struct || object.Properties == nil {
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			if err := applyRules(object, f.Type, v); err != nil { // embedded: its fields are object's
				return err
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		property, ok := object.Properties.Get(name)
		if !ok {
			continue // left out by a jsonschema:"-" tag
		}
		if err := applyField(object, name, property, f, v); err != nil {
			return fmt.Errorf("field %s: %w", name, err)
		}
	}
	return nil
}

// applyField maps one field's `validate` tag onto its property.
func applyField(object *jsonschema.Schema, name string, property *jsonschema.Schema, f reflect.StructField, v *validator.Validate) error {
	var rules []string
	omitEmpty := false
	if tag := f.Tag.Get("validate"); tag != "" && tag != "-" {
		for rule := range strings.SplitSeq(tag, ",") {
			switch rule {
			case "omitempty":
				omitEmpty = true
			case "required":
				object.Required = append(object.Required, name)
				requireValue(property, f.Type)
			default:
				rules = append(rules, rule)
			}
		}
	}
	target := property
	if omitEmpty && len(rules) > 0 && v.Var(reflect.Zero(f.Type).Interface(), strings.Join(rules, ",")) != nil {
		// The zero value skips the rules: say so with an alternative.
		target = &jsonschema.Schema{}
		property.AnyOf = []*jsonschema.Schema{target, {Const: reflect.Zero(indirect(f.Type)).Interface()}}
	}
	for _, rule := range rules {
		tag, param, _ := strings.Cut(rule, "=")
		if err := applyRule(target, indirect(f.Type).Kind(), tag, param); err != nil {
			return err
		}
	}
	return applyRules(property, f.Type, v)
}

// requireValue adds what `required` asks of a present value: the validator
// refuses a field's zero value unless it is a pointer, which only must not be nil.
func requireValue(property *jsonschema.Schema, t reflect.Type) {
	if t.Kind() == reflect.Pointer {
		return
	}
	switch kind := t.Kind(); {
	case kind == reflect.String:
		property.MinLength = atLeast(property.MinLength, 1)
	case kind == reflect.Bool:
		property.Const = true
	case isNumber(kind):
		property.Not = &jsonschema.Schema{Const: 0}
	}
}

// applyRule maps one validator rule onto JSON Schema keywords for a value of
// the given kind. Every rule a job type may use must be mapped here; the
// others are refused with an error naming them.
func applyRule(s *jsonschema.Schema, kind reflect.Kind, tag, param string) error {
	unmapped := fmt.Errorf("the rule %q has no JSON Schema mapping for a %s", strings.TrimSuffix(tag+"="+param, "="), kind)
	switch tag {
	case "min", "gte", "max", "lte", "len", "gt", "lt":
		return applyBound(s, kind, tag, param, unmapped)
	case "oneof":
		values := strings.Fields(param)
		for _, value := range values {
			switch {
			case kind == reflect.String:
				s.Enum = append(s.Enum, value)
			case isNumber(kind):
				s.Enum = append(s.Enum, json.Number(value))
			default:
				return unmapped
			}
		}
	case "email", "uuid", "url":
		if kind != reflect.String {
			return unmapped
		}
		s.Format = map[string]string{"email": "email", "uuid": "uuid", "url": "uri"}[tag]
	default:
		return unmapped
	}
	return nil
}

// applyBound maps the size rules: bounds of a number, lengths of a string,
// counts of an array's items or of a map's members.
func applyBound(s *jsonschema.Schema, kind reflect.Kind, tag, param string, unmapped error) error {
	if isNumber(kind) {
		n := json.Number(param)
		if _, err := n.Float64(); err != nil {
			return unmapped
		}
		switch tag {
		case "min", "gte":
			s.Minimum = n
		case "max", "lte":
			s.Maximum = n
		case "len":
			s.Const = n
		case "gt":
			s.ExclusiveMinimum = n
		case "lt":
			s.ExclusiveMaximum = n
		}
		return nil
	}
	n, err := strconv.ParseUint(param, 10, 64)
	if err != nil {
		return unmapped
	}
	var lower, upper **uint64
	switch kind {
	case reflect.String:
		lower, upper = &s.MinLength, &s.MaxLength
	case reflect.Slice, reflect.Array:
		lower, upper = &s.MinItems, &s.MaxItems
	case reflect.Map:
		lower, upper = &s.MinProperties, &s.MaxProperties
	default:
		return unmapped
	}
	switch tag {
	case "min", "gte":
		*lower = atLeast(*lower, n)
	case "max", "lte":
		*upper = &n
	case "len":
		*lower, *upper = atLeast(*lower, n), &n
	case "gt":
		*lower = atLeast(*lower, n+1)
	case "lt":
		if n == 0 {
			return unmapped
		}
		below := n - 1
		*upper = &below
	}
	return nil
}

// atLeast returns the larger of a bound already set (or none) and n.
func atLeast(bound *uint64, n uint64) *uint64 {
	if bound != nil && *bound > n {
		return bound
	}
	return &n
}

func isNumber(kind reflect.Kind) bool {
	return (kind >= reflect.Int && kind <= reflect.Uint64) || kind == reflect.Float32 || kind == reflect.Float64
}

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
