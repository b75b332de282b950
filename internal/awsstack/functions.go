package awsstack

import (
	"debug/buildinfo"
	"fmt"
	"path/filepath"
	"time"
)

// Lambda's asynchronous invocation defaults, for a function without an
// EventInvokeConfig.
const (
	defaultMaxRetries  = 2
	defaultMaxEventAge = 6 * time.Hour
)

// Function is a Lambda function of the stack.
type Function struct {
	LogicalID string
	Name      string // its resolved Ref
	Arn       string // its resolved Fn::GetAtt Arn
	// Bootstrap is the path of the bootstrap binary in the cloud assembly
	// (built for AWS, not necessarily for this machine).
	Bootstrap string
	Env       map[string]string // Environment.Variables, resolved
	MemoryMB  int
	Timeout   time.Duration
	// ReservedConcurrency is nil when the function has none.
	ReservedConcurrency *int
	Async               Async
}

// Async is how Lambda invokes a function asynchronously
// (AWS::Lambda::EventInvokeConfig).
type Async struct {
	MaxRetries  int
	MaxEventAge time.Duration
	OnFailure   Destination // zero: none
}

// Destination is where a failed asynchronous invocation's record goes: a
// function or an event bus of the stack, by logical id.
type Destination struct {
	Function string
	Bus      string
}

// MainPackage is the import path of the Go main package the function's
// bootstrap was built from, read from the binary's build information, so
// that the same package can be built for this machine.
func (f *Function) MainPackage() (string, error) {
	info, err := buildinfo.ReadFile(f.Bootstrap)
	if err != nil {
		return "", fmt.Errorf("awsstack: function %s: its bootstrap %s is not a Go binary with build information: %w", f.LogicalID, f.Bootstrap, err)
	}
	return info.Path, nil
}

func (s *Stack) readFunctions(r *resolver, cdkOut string) error {
	for _, id := range r.t.ofType(typeFunction) {
		f, err := readFunction(r, cdkOut, id)
		if err != nil {
			return err
		}
		s.Functions = append(s.Functions, f)
	}
	if len(s.Functions) == 0 {
		return fmt.Errorf("no %s", typeFunction)
	}
	for _, id := range r.t.ofType(typeEventInvokeConfig) {
		if err := s.readAsync(r, id); err != nil {
			return err
		}
	}
	return nil
}

func readFunction(r *resolver, cdkOut, id string) (*Function, error) {
	props, err := r.properties(id, "Handler", "Runtime", "Environment", "MemorySize", "Timeout", "ReservedConcurrentExecutions")
	if err != nil {
		return nil, err
	}
	if h := str(props, "Handler"); h != "bootstrap" || str(props, "Runtime") != "provided.al2023" {
		return nil, fmt.Errorf("function %s: runtime %q, handler %q: only provided.al2023 with a bootstrap runs locally", id, str(props, "Runtime"), h)
	}
	dir, err := r.assetDir(cdkOut, id)
	if err != nil {
		return nil, err
	}
	name, _ := r.ref(id)
	arn, _ := r.getAtt(id, "Arn")
	f := &Function{
		LogicalID: id, Name: name.(string), Arn: arn.(string),
		Bootstrap: filepath.Join(dir, "bootstrap"),
		Env:       map[string]string{},
		MemoryMB:  128,             // Lambda's default
		Timeout:   3 * time.Second, // Lambda's default
		Async:     Async{MaxRetries: defaultMaxRetries, MaxEventAge: defaultMaxEventAge},
	}
	for k, v := range object(object(props, "Environment"), "Variables") {
		if f.Env[k], err = scalar(v); err != nil {
			return nil, fmt.Errorf("function %s: variable %s: %w", id, k, err)
		}
	}
	if mb, ok := number(props, "MemorySize"); ok {
		f.MemoryMB = int(mb)
	}
	if sec, ok := number(props, "Timeout"); ok {
		f.Timeout = time.Duration(sec) * time.Second
	}
	if n, ok := number(props, "ReservedConcurrentExecutions"); ok {
		reserved := int(n)
		f.ReservedConcurrency = &reserved
	}
	return f, nil
}

func (s *Stack) readAsync(r *resolver, id string) error {
	raw := r.t.Resources[id].Properties
	fnID, ok := target(raw["FunctionName"])
	if !ok {
		return fmt.Errorf("%s: FunctionName is not a reference to a function of the stack", id)
	}
	f, ok := s.Function(fnID)
	if !ok {
		return fmt.Errorf("%s: no function %s", id, fnID)
	}
	props, err := r.properties(id, "MaximumRetryAttempts", "MaximumEventAgeInSeconds")
	if err != nil {
		return err
	}
	if n, ok := number(props, "MaximumRetryAttempts"); ok {
		f.Async.MaxRetries = int(n)
	}
	if sec, ok := number(props, "MaximumEventAgeInSeconds"); ok {
		f.Async.MaxEventAge = time.Duration(sec) * time.Second
	}
	dest, _ := raw["DestinationConfig"].(map[string]any)
	onFailure, _ := dest["OnFailure"].(map[string]any)
	if onFailure == nil {
		return nil
	}
	destID, ok := target(onFailure["Destination"])
	if !ok {
		return fmt.Errorf("%s: the on-failure destination is not a resource of the stack", id)
	}
	switch t := r.t.Resources[destID].Type; t {
	case typeFunction:
		f.Async.OnFailure = Destination{Function: destID}
	case typeEventBus:
		f.Async.OnFailure = Destination{Bus: destID}
	default:
		return fmt.Errorf("%s: on-failure destination %s is a %s: only functions and event buses run locally", id, destID, t)
	}
	return nil
}
