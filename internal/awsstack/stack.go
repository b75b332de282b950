package awsstack

import (
	"errors"
	"fmt"
	"path/filepath"
)

// Stack is what a local run needs of the synthesized stack.
type Stack struct {
	Name      string
	Region    string
	Account   string
	Functions []*Function // by logical id
	Table     Table
	API       API
	Events    EventsAPI
	Buses     []*Bus
}

// Load reads a stack's template, whose assets are in the same directory
// (the cloud assembly), and resolves it for local.
func Load(sf StackFile, local Local) (*Stack, error) {
	t, err := readTemplate(sf.Template)
	if err != nil {
		return nil, err
	}
	cdkOut, stack := filepath.Dir(sf.Template), sf.Name
	if local.Region == "" || local.Account == "" {
		return nil, errors.New("awsstack: a local region and account are needed")
	}
	r := &resolver{t: t, stack: stack, local: local}
	s := &Stack{Name: stack, Region: local.Region, Account: local.Account}
	readers := []func(*resolver, string) error{s.readFunctions, s.readTable, s.readAPI, s.readEvents, s.readBuses}
	var errs []error
	for _, read := range readers {
		errs = append(errs, read(r, cdkOut))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("awsstack: %s: %w", sf.Template, err)
	}
	return s, nil
}

// Function returns the function whose logical id, name or ARN is ref.
func (s *Stack) Function(ref string) (*Function, bool) {
	for _, f := range s.Functions {
		if ref == f.LogicalID || ref == f.Name || ref == f.Arn || ref == f.Arn+":$LATEST" {
			return f, true
		}
	}
	return nil, false
}

// Bus returns the event bus whose logical id, name or ARN is ref.
func (s *Stack) Bus(ref string) (*Bus, bool) {
	for _, b := range s.Buses {
		if ref == b.LogicalID || ref == b.Name || ref == b.Arn {
			return b, true
		}
	}
	return nil, false
}

// properties returns the named properties of resource id with every
// intrinsic function resolved; the others are left out, so that what has no
// local value (a KMS key, a log group) does not matter.
func (r *resolver) properties(id string, names ...string) (map[string]any, error) {
	props := make(map[string]any, len(names))
	for _, name := range names {
		raw, ok := r.t.Resources[id].Properties[name]
		if !ok {
			continue
		}
		v, err := r.resolve(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", id, name, err)
		}
		if _, skip := v.(noValue); !skip {
			props[name] = v
		}
	}
	return props, nil
}

// target returns the logical id a Ref or Fn::GetAtt in v names, unresolved.
func target(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	if id, ok := m["Ref"].(string); ok {
		return id, true
	}
	if arg, ok := m["Fn::GetAtt"]; ok {
		id, _, err := getAttArgs(arg)
		return id, err == nil
	}
	return "", false
}

// assetDir is the directory of resource id's asset in the cloud assembly.
func (r *resolver) assetDir(cdkOut, id string) (string, error) {
	p, ok := r.t.Resources[id].Metadata["aws:asset:path"].(string)
	if !ok || p == "" {
		return "", fmt.Errorf("%s has no aws:asset:path in its metadata", id)
	}
	if filepath.IsAbs(p) {
		return p, nil
	}
	return filepath.Join(cdkOut, p), nil
}

// str, number and list read resolved property values.
func str(props map[string]any, key string) string {
	s, _ := props[key].(string)
	return s
}

func number(props map[string]any, key string) (float64, bool) {
	switch v := props[key].(type) {
	case float64:
		return v, true
	case string:
		var f float64
		_, err := fmt.Sscan(v, &f)
		return f, err == nil
	}
	return 0, false
}

func list(props map[string]any, key string) []map[string]any {
	items, _ := props[key].([]any)
	out := make([]map[string]any, 0, len(items))
	for _, item := range items {
		if m, ok := item.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func object(props map[string]any, key string) map[string]any {
	m, _ := props[key].(map[string]any)
	return m
}
