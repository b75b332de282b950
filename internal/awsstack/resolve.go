package awsstack

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Local says what the stack's references resolve to on this machine.
type Local struct {
	Region  string // AWS::Region and the region in ARNs
	Account string // AWS::AccountId and the account in ARNs
	// EventsHost is host:port of the local AppSync Events endpoint: an
	// AppSync API's Dns.Http and Dns.Realtime.
	EventsHost string
	// Parameters override the template parameters' defaults.
	Parameters map[string]string
}

// noValue is AWS::NoValue: the property is left out.
type noValue struct{}

// resolver evaluates CloudFormation's intrinsic functions in a template.
type resolver struct {
	t     *template
	stack string
	local Local
}

// resolve returns v with every intrinsic function evaluated.
func (r *resolver) resolve(v any) (any, error) {
	switch v := v.(type) {
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			e, err := r.resolve(e)
			if err != nil {
				return nil, err
			}
			if _, skip := e.(noValue); !skip {
				out = append(out, e)
			}
		}
		return out, nil
	case map[string]any:
		if len(v) == 1 {
			for fn, arg := range v {
				if strings.HasPrefix(fn, "Fn::") || fn == "Ref" {
					return r.intrinsic(fn, arg)
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			e, err := r.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, skip := e.(noValue); !skip {
				out[k] = e
			}
		}
		return out, nil
	default:
		return v, nil
	}
}

func (r *resolver) intrinsic(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("a Ref of %v: want a name", arg)
		}
		return r.ref(name)
	case "Fn::GetAtt":
		id, attr, err := getAttArgs(arg)
		if err != nil {
			return nil, err
		}
		return r.getAtt(id, attr)
	case "Fn::Join":
		return r.join(arg)
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::If":
		return r.ifThen(arg)
	default:
		return nil, fmt.Errorf("%s is not supported locally", fn)
	}
}

func getAttArgs(arg any) (id, attr string, err error) {
	switch a := arg.(type) {
	case []any:
		if len(a) == 2 {
			id, ok1 := a[0].(string)
			attr, ok2 := a[1].(string)
			if ok1 && ok2 {
				return id, attr, nil
			}
		}
	case string:
		if id, attr, ok := strings.Cut(a, "."); ok {
			return id, attr, nil
		}
	}
	return "", "", fmt.Errorf("Fn::GetAtt of %v", arg)
}

// ref is what Ref name resolves to: a parameter's value, a pseudo
// parameter, or a resource's local name.
func (r *resolver) ref(name string) (any, error) {
	switch name {
	case "AWS::Region":
		return r.local.Region, nil
	case "AWS::AccountId":
		return r.local.Account, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return r.stack, nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if p, ok := r.t.Parameters[name]; ok {
		if v, ok := r.local.Parameters[name]; ok {
			return v, nil
		}
		if p.Default == nil {
			return nil, fmt.Errorf("parameter %s has no default and no local value", name)
		}
		return p.Default, nil
	}
	res, ok := r.t.Resources[name]
	if !ok {
		return nil, fmt.Errorf("a Ref to %s: no such parameter or resource", name)
	}
	return r.physicalName(name, res), nil
}

// physicalName is a resource's name on this machine: the name the template
// gives it, else <stack>-<logical id> as CloudFormation would generate one
// (without its random suffix).
func (r *resolver) physicalName(id string, res resource) string {
	nameProperty := map[string]string{
		typeFunction: "FunctionName", typeTable: "TableName", typeEventBus: "Name",
		typeRole: "RoleName", typeArchive: "ArchiveName", typeRule: "Name", typeAPIStage: "StageName",
	}[res.Type]
	if s, ok := res.Properties[nameProperty].(string); ok && s != "" {
		return s
	}
	return r.stack + "-" + id
}

// getAtt is what Fn::GetAtt id.attr resolves to locally.
func (r *resolver) getAtt(id, attr string) (any, error) {
	res, ok := r.t.Resources[id]
	if !ok {
		return nil, fmt.Errorf("Fn::GetAtt %s.%s: no such resource", id, attr)
	}
	name := r.physicalName(id, res)
	arn := func(service, resourcePart string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, r.local.Region, r.local.Account, resourcePart)
	}
	switch res.Type + "." + attr {
	case typeFunction + ".Arn":
		return arn("lambda", "function:"+name), nil
	case typeTable + ".Arn":
		return arn("dynamodb", "table/"+name), nil
	case typeEventBus + ".Arn":
		return arn("events", "event-bus/"+name), nil
	case typeArchive + ".Arn":
		return arn("events", "archive/"+name), nil
	case typeRule + ".Arn":
		return arn("events", "rule/"+name), nil
	case typeRole + ".Arn":
		return fmt.Sprintf("arn:aws:iam::%s:role/%s", r.local.Account, name), nil
	case typeEventsAPI + ".Dns.Http", typeEventsAPI + ".Dns.Realtime":
		if r.local.EventsHost == "" {
			return nil, fmt.Errorf("Fn::GetAtt %s.%s: no local events endpoint", id, attr)
		}
		return r.local.EventsHost, nil
	case typeEventsAPI + ".ApiId", typeAPIKey + ".ApiKeyId":
		return strings.ToLower(id), nil
	case typeRestAPI + ".RootResourceId":
		return "/", nil
	}
	return nil, fmt.Errorf("Fn::GetAtt %s.%s (%s) has no local value", id, attr, res.Type)
}

func (r *resolver) join(arg any) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 2 {
		return nil, fmt.Errorf("Fn::Join of %v", arg)
	}
	sep, ok := a[0].(string)
	if !ok {
		return nil, fmt.Errorf("Fn::Join separator %v", a[0])
	}
	list, err := r.resolve(a[1])
	if err != nil {
		return nil, err
	}
	items, ok := list.([]any)
	if !ok {
		return nil, fmt.Errorf("Fn::Join of %v", list)
	}
	parts := make([]string, len(items))
	for i, item := range items {
		if parts[i], err = scalar(item); err != nil {
			return nil, fmt.Errorf("Fn::Join: %w", err)
		}
	}
	return strings.Join(parts, sep), nil
}

// sub evaluates Fn::Sub of a string: ${Name}, ${Name.Attr} and ${!Literal}.
func (r *resolver) sub(arg any) (any, error) {
	s, ok := arg.(string)
	if !ok {
		return nil, errors.New("Fn::Sub with a variable map is not supported locally")
	}
	var b strings.Builder
	for {
		start := strings.Index(s, "${")
		if start < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		end := strings.Index(s[start:], "}")
		if end < 0 {
			return nil, fmt.Errorf("Fn::Sub: unclosed ${ in %q", s)
		}
		b.WriteString(s[:start])
		name := s[start+2 : start+end]
		s = s[start+end+1:]
		if literal, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + literal + "}")
			continue
		}
		var v any
		var err error
		if id, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			v, err = r.getAtt(id, attr)
		} else {
			v, err = r.ref(name)
		}
		if err != nil {
			return nil, fmt.Errorf("Fn::Sub: %w", err)
		}
		str, err := scalar(v)
		if err != nil {
			return nil, fmt.Errorf("Fn::Sub: %w", err)
		}
		b.WriteString(str)
	}
}

func (r *resolver) ifThen(arg any) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 3 {
		return nil, fmt.Errorf("Fn::If of %v", arg)
	}
	name, ok := a[0].(string)
	if !ok {
		return nil, fmt.Errorf("Fn::If condition %v", a[0])
	}
	holds, err := r.condition(name)
	if err != nil {
		return nil, err
	}
	if holds {
		return r.resolve(a[1])
	}
	return r.resolve(a[2])
}

// condition evaluates the template's condition name.
func (r *resolver) condition(name string) (bool, error) {
	expr, ok := r.t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	return r.evaluate(expr)
}

func (r *resolver) evaluate(expr any) (bool, error) {
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("condition %v", expr)
	}
	for fn, arg := range m {
		return r.evaluateFn(fn, arg)
	}
	return false, fmt.Errorf("condition %v", expr)
}

func (r *resolver) evaluateFn(fn string, arg any) (bool, error) {
	if fn == "Condition" {
		name, _ := arg.(string)
		return r.condition(name)
	}
	args, ok := arg.([]any)
	if !ok {
		return false, fmt.Errorf("%s of %v", fn, arg)
	}
	switch fn {
	case "Fn::Equals":
		if len(args) != 2 {
			return false, fmt.Errorf("Fn::Equals of %v", args)
		}
		a, errA := r.resolve(args[0])
		b, errB := r.resolve(args[1])
		if err := errors.Join(errA, errB); err != nil {
			return false, err
		}
		sa, errA := scalar(a)
		sb, errB := scalar(b)
		return sa == sb && errA == nil && errB == nil, nil
	case "Fn::Not", "Fn::And", "Fn::Or":
		results := make([]bool, len(args))
		for i, a := range args {
			var err error
			if results[i], err = r.evaluate(a); err != nil {
				return false, err
			}
		}
		return combine(fn, results)
	}
	return false, fmt.Errorf("condition function %s is not supported locally", fn)
}

func combine(fn string, results []bool) (bool, error) {
	switch fn {
	case "Fn::Not":
		if len(results) != 1 {
			return false, fmt.Errorf("Fn::Not of %d conditions", len(results))
		}
		return !results[0], nil
	case "Fn::And":
		return !slices.Contains(results, false), nil
	default:
		return slices.Contains(results, true), nil
	}
}

// scalar writes a resolved string, number or boolean as CloudFormation does.
func scalar(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", fmt.Errorf("%v (%v) is not a string", v, reflect.TypeOf(v))
}
