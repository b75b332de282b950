package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// Reporter lets running job code publish its progress. Report returns
// ErrTerminal once the job has been cancelled, so the code can stop early.
type Reporter interface {
	Report(ctx context.Context, p Progress) error
}

// Type is one kind of job: how to read and check its parameters and how to run it.
type Type struct {
	Name    string
	Timeout time.Duration // the deadline of the context each attempt gets
	params  reflect.Type  // P, from which the parameters' JSON Schema is derived
	about   string        // the description of the parameters' schema
	decode  func(raw json.RawMessage) (any, error)
	run     func(ctx context.Context, params any, r Reporter) (any, error)
}

// Describe returns t with a description, which the parameters' JSON Schema
// (and so the API documents, the console and jobsctl) shows.
func (t Type) Describe(text string) Type {
	t.about = text
	return t
}

// Define makes a job type whose parameters decode into P and are checked by
// P's `validate` tags. run returns the result (marshalled as JSON) or an error:
// a plain error fails the attempt, Permanent(err) fails the job at once.
func Define[P any](name string, timeout time.Duration, run func(ctx context.Context, p P, r Reporter) (any, error)) Type {
	return Type{
		Name:    name,
		Timeout: timeout,
		params:  reflect.TypeFor[P](),
		decode: func(raw json.RawMessage) (any, error) {
			var p P
			if err := decodeStrict(raw, &p); err != nil {
				return nil, err
			}
			return p, nil
		},
		run: func(ctx context.Context, params any, r Reporter) (any, error) {
			return run(ctx, params.(P), r)
		},
	}
}

// Registry holds the job types a deployment can run.
type Registry struct {
	types    map[string]Type
	schemas  map[string]json.RawMessage // by type name: the parameters' JSON Schema
	validate *validator.Validate
}

// NewRegistry returns a registry of the given types; names must be unique,
// and every `validate` rule of their parameters must have a JSON Schema
// mapping (see parameterSchema), so that the documents show every rule.
func NewRegistry(types ...Type) (*Registry, error) {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	r := &Registry{types: make(map[string]Type, len(types)), schemas: make(map[string]json.RawMessage, len(types)), validate: v}
	for _, t := range types {
		if t.Name == "" || t.decode == nil {
			return nil, errors.New("jobs: a job type needs a name and must be made with Define")
		}
		if _, dup := r.types[t.Name]; dup {
			return nil, fmt.Errorf("jobs: job type %q registered twice", t.Name)
		}
		schema, err := parameterSchema(t.params, t.about, v)
		if err != nil {
			return nil, fmt.Errorf("jobs: job type %q: parameters: %w", t.Name, err)
		}
		r.types[t.Name] = t
		r.schemas[t.Name] = schema
	}
	return r, nil
}

// ParameterSchema returns the JSON Schema of the parameters of the type called name.
func (r *Registry) ParameterSchema(name string) (json.RawMessage, bool) {
	s, ok := r.schemas[name]
	return s, ok
}

// Names lists the registered type names in order.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.types))
	for n := range r.types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the type called name.
func (r *Registry) Lookup(name string) (Type, bool) {
	t, ok := r.types[name]
	return t, ok
}

// Parameters checks raw against the parameters of the type called name and
// returns them in canonical JSON. Every refusal is a *ValidationError.
func (r *Registry) Parameters(name string, raw json.RawMessage) (json.RawMessage, error) {
	t, ok := r.types[name]
	if !ok {
		return nil, r.unknownType()
	}
	params, err := t.decode(raw)
	if err != nil {
		return nil, err
	}
	if err := r.check(params); err != nil {
		return nil, err
	}
	canonical, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("jobs: encode %s parameters: %w", name, err)
	}
	return canonical, nil
}

// unknownType is the refusal of a type name that is not registered.
func (r *Registry) unknownType() *ValidationError {
	return invalid("type", "oneof", strings.Join(r.Names(), " "),
		fmt.Sprintf("type must be one of: %s", strings.Join(r.Names(), ", ")))
}

func (r *Registry) check(params any) error {
	err := r.validate.Struct(params)
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err // nil, or a parameter struct the validator cannot read
	}
	out := &ValidationError{Detail: "the request is not valid"}
	for _, fe := range verrs {
		field := fieldPath(fe.Namespace())
		out.Fields = append(out.Fields, FieldError{
			Field: field, Rule: fe.Tag(), Param: fe.Param(), Message: ruleMessage(field, fe.Tag(), fe.Param()),
		})
	}
	return out
}

// fieldPath drops the struct name that starts a validator namespace.
func fieldPath(namespace string) string {
	_, rest, found := strings.Cut(namespace, ".")
	if !found {
		return namespace
	}
	return rest
}

func ruleMessage(field, rule, param string) string {
	switch rule {
	case "required":
		return field + " is required"
	case "min", "gte":
		return fmt.Sprintf("%s must be at least %s", field, param)
	case "max", "lte":
		return fmt.Sprintf("%s must be at most %s", field, param)
	case "oneof":
		return fmt.Sprintf("%s must be one of: %s", field, strings.ReplaceAll(param, " ", ", "))
	default:
		return fmt.Sprintf("%s breaks the rule %q", field, strings.TrimSpace(rule+" "+param))
	}
}

// isEmptyObject reports whether raw is the JSON object {}, the parameters
// of most jobs as stored, which need no decoder.
func isEmptyObject(raw json.RawMessage) bool {
	return strings.Trim(string(raw), " \t\r\n") == "{}" // JSON's whitespace only
}

// decodeStrict reads exactly one JSON object into v, refusing unknown fields,
// and reports each problem as a *ValidationError naming the field.
func decodeStrict(raw json.RawMessage, v any) error {
	if isEmptyObject(raw) && reflect.TypeOf(v).Elem().Kind() == reflect.Struct {
		return nil // what decoding {} leaves a struct: as it was
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return invalid("", "json", "", "the body must hold exactly one JSON object")
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		want := jsonKind(typeErr.Type)
		return invalid(typeErr.Field, "type", want, fmt.Sprintf("%s must be %s, not %s", typeErr.Field, want, typeErr.Value))
	case errors.As(err, &typeErr):
		return invalid("", "type", "object", "the parameters must be a JSON object")
	case errors.As(err, &syntaxErr):
		return invalid("", "json", "", fmt.Sprintf("the body is not valid JSON (at byte %d): %s", syntaxErr.Offset, syntaxErr.Error()))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("", "json", "", "the body is not valid JSON: it ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json quotes the name with %q: unquote it, so that the
		// field is named as the client wrote it.
		quoted := strings.TrimPrefix(err.Error(), "json: unknown field ")
		field, uerr := strconv.Unquote(quoted)
		if uerr != nil {
			field = strings.Trim(quoted, `"`)
		}
		return invalid(field, "unknown", "", fmt.Sprintf("%s is not a known field", field))
	default:
		return invalid("", "json", "", "the body is not valid JSON: "+err.Error())
	}
}

// jsonKind names the JSON type that a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "an object"
	}
}
