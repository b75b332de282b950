// Package emulator runs a Lambda function's bootstrap under AWS's Lambda
// Runtime Interface Emulator (aws-lambda-rie), the code AWS SAM and the
// Lambda base images use: one emulator process per concurrent execution
// environment, each on its own two loopback ports, with the function's
// environment, memory size and timeout. It invokes the function as Lambda's
// Invoke API does and tells function errors, timeouts included, from
// results, as Lambda's X-Amz-Function-Error header would (the emulator
// drops that header).
package emulator

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// Config describes a function and how many execution environments it gets.
type Config struct {
	Emulator  string // path of aws-lambda-rie
	Bootstrap string // path of the function's bootstrap, built for this machine
	Name      string // AWS_LAMBDA_FUNCTION_NAME
	Region    string // AWS_REGION and AWS_DEFAULT_REGION
	Env       map[string]string
	MemoryMB  int
	Timeout   time.Duration // whole seconds, as in Lambda
	// Instances is how many invocations run at once (execution
	// environments); more wait for a free one.
	Instances int
	// Log receives every line the emulators and the function write,
	// prefixed with the function's name.
	Log io.Writer
	// StartTimeout bounds how long an emulator may take to listen; 10 s if zero.
	StartTimeout time.Duration
}

// Function is a running function: its emulators.
type Function struct {
	cfg       Config
	free      chan *instance
	instances []*instance
	client    *http.Client

	mu         sync.Mutex
	coldStarts []ColdStart
}

// ColdStart is one initialization of the function's runtime.
type ColdStart struct {
	// Init is the runtime's init phase as the emulator's "INIT REPORT"
	// line gives it: from starting the bootstrap until it asks for its first
	// event.
	Init time.Duration
	// Reported is the "Init Duration" of the emulator's REPORT line for the
	// first invocation (0 when the line had none): what the emulator bills
	// as init, which does not wait for the runtime to be ready.
	Reported time.Duration
}

// Start starts cfg.Instances emulators and waits until each listens.
func Start(ctx context.Context, cfg Config) (*Function, error) {
	if cfg.Instances < 1 {
		return nil, fmt.Errorf("emulator: function %s needs at least one instance", cfg.Name)
	}
	if cfg.Timeout < time.Second || cfg.Timeout%time.Second != 0 {
		return nil, fmt.Errorf("emulator: function %s: timeout %v is not a whole number of seconds", cfg.Name, cfg.Timeout)
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	f := &Function{
		cfg:    cfg,
		free:   make(chan *instance, cfg.Instances),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}},
	}
	for range cfg.Instances {
		inst, err := f.start(ctx)
		if err != nil {
			f.Close()
			return nil, err
		}
		f.instances = append(f.instances, inst)
		f.free <- inst
	}
	return f, nil
}

// Name is the function's name.
func (f *Function) Name() string { return f.cfg.Name }

// ColdStarts returns the function's runtime initializations so far.
func (f *Function) ColdStarts() []ColdStart {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.coldStarts)
}

// Close stops the emulators and their functions.
func (f *Function) Close() error {
	var errs []error
	for _, inst := range f.instances {
		errs = append(errs, inst.stop())
	}
	f.client.CloseIdleConnections()
	return errors.Join(errs...)
}

// environment is what the function's process is given, as Lambda gives it:
// the configured variables, Lambda's own, and the emulator's settings.
func (f *Function) environment() []string {
	env := map[string]string{
		"AWS_REGION":                      f.cfg.Region,
		"AWS_DEFAULT_REGION":              f.cfg.Region,
		"AWS_LAMBDA_FUNCTION_NAME":        f.cfg.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.cfg.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(int(f.cfg.Timeout / time.Second)),
		"AWS_EXECUTION_ENV":               "AWS_Lambda_provided.al2023",
		"LAMBDA_TASK_ROOT":                filepath.Dir(f.cfg.Bootstrap),
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
	}
	maps.Copy(env, f.cfg.Env)
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// FunctionError is a function's failed invocation: what Lambda reports with
// X-Amz-Function-Error and puts in an on-failure destination record.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string { return e.Message }

// ErrorType is the error's type, for destination records.
func (e *FunctionError) ErrorType() string { return e.Type }

// timedOut is the emulator's answer when the function runs out of time.
var timedOut = regexp.MustCompile(`^Task timed out after [0-9.]+ seconds$`)

// Invoke runs the function once with payload (RequestResponse) on a free
// instance, waiting for one. It returns the function's response, or a
// *FunctionError when the function failed or timed out; other errors mean
// the invocation could not be made.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var inst *instance
	select {
	case inst = <-f.free:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { f.free <- inst }()
	requestID := uuid.NewString()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inst.invokeURL, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amzn-RequestId", requestID)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("emulator: invoke %s: %w", f.cfg.Name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("emulator: invoke %s: read the response: %w", f.cfg.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("emulator: invoke %s: status %d: %s", f.cfg.Name, resp.StatusCode, body)
	}
	if timedOut.Match(body) {
		return nil, &FunctionError{Type: "Sandbox.Timedout", Message: fmt.Sprintf("RequestId: %s Error: %s", requestID, body)}
	}
	if fnErr := functionError(body); fnErr != nil {
		return nil, fnErr
	}
	return body, nil
}

// functionError reads the runtime's error document, or returns nil if body
// is a result: a JSON object of errorMessage, errorType and stackTrace only.
func functionError(body []byte) *FunctionError {
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) != nil || doc["errorMessage"] == nil {
		return nil
	}
	for k := range doc {
		if k != "errorMessage" && k != "errorType" && k != "stackTrace" {
			return nil
		}
	}
	var e FunctionError
	if json.Unmarshal(body, &e) != nil {
		return nil
	}
	return &e
}

// instance is one emulator process: one execution environment.
type instance struct {
	cmd       *exec.Cmd
	invokeURL string
	output    *os.File       // the read end of the emulator's and the runtime's stdout and stderr
	scanned   sync.WaitGroup // the output's scanner
	exited    chan struct{}  // closed when the emulator has exited
	waitErr   error
}

// stopGrace is how long the emulator may take to stop its runtime and exit,
// and the runtime's output to end, before they are killed.
const stopGrace = 5 * time.Second

func (f *Function) start(ctx context.Context) (*instance, error) {
	apiAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	// Not CommandContext: the emulators outlive ctx, which only bounds the start.
	cmd := exec.Command(f.cfg.Emulator,
		"--runtime-interface-emulator-address", apiAddr, "--runtime-api-address", runtimeAddr, f.cfg.Bootstrap)
	cmd.Dir = filepath.Dir(f.cfg.Bootstrap)
	cmd.Env = f.environment()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A pipe of our own rather than StdoutPipe: the runtime, which the
	// emulator starts in a process group of its own, holds it too, and
	// waiting for the emulator must not wait for the runtime's output.
	output, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = w, w
	inst := &instance{cmd: cmd, output: output, invokeURL: "http://" + apiAddr + "/2015-03-31/functions/function/invocations", exited: make(chan struct{})}
	err = cmd.Start()
	w.Close()
	if err != nil {
		output.Close()
		return nil, fmt.Errorf("emulator: start %s for %s: %w", f.cfg.Emulator, f.cfg.Name, err)
	}
	inst.scanned.Add(1)
	go func() {
		defer inst.scanned.Done()
		f.scan(output)
	}()
	go func() {
		inst.waitErr = cmd.Wait()
		close(inst.exited)
	}()
	if err := inst.awaitListening(ctx, apiAddr, f.cfg.StartTimeout); err != nil {
		inst.stop()
		return nil, fmt.Errorf("emulator: %s: %w", f.cfg.Name, err)
	}
	return inst, nil
}

func (inst *instance) awaitListening(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-inst.exited:
			return fmt.Errorf("the emulator exited before listening: %v", inst.waitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the emulator did not listen on %s within %v", addr, timeout)
		}
	}
}

// stop stops the emulator as a shutdown of the execution environment: the
// emulator, told with SIGTERM, kills its runtime (which runs in a process
// group of its own) and exits; one that does not is killed with its process
// group after stopGrace. Its output is read to the end, or for stopGrace.
func (inst *instance) stop() error {
	if inst.cmd.Process == nil {
		return nil
	}
	var errs []error
	select {
	case <-inst.exited:
	default:
		if err := inst.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			errs = append(errs, fmt.Errorf("emulator: stop: %w", err))
		}
		select {
		case <-inst.exited:
		case <-time.After(stopGrace):
			if err := syscall.Kill(-inst.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				errs = append(errs, fmt.Errorf("emulator: kill: %w", err))
			}
			<-inst.exited
			errs = append(errs, fmt.Errorf("emulator: pid %d did not stop within %v of SIGTERM; killed, its runtime may outlive it", inst.cmd.Process.Pid, stopGrace))
		}
	}
	ended := make(chan struct{})
	go func() { inst.scanned.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(stopGrace):
		errs = append(errs, fmt.Errorf("emulator: the output of pid %d did not end within %v: a runtime still holds it", inst.cmd.Process.Pid, stopGrace))
	}
	inst.output.Close()
	return errors.Join(errs...)
}

// The emulator's lines that time the runtime's init.
var (
	initReport   = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	reportedInit = regexp.MustCompile(`^REPORT RequestId: .*Init Duration: ([0-9.]+) ms`)
)

// scan passes an emulator's output to the log and records its cold starts.
func (f *Function) scan(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	pending := -1 // this emulator's cold start still waiting for its REPORT line
	for sc.Scan() {
		line := sc.Text()
		if f.cfg.Log != nil {
			fmt.Fprintf(f.cfg.Log, "%s | %s\n", f.cfg.Name, line)
		}
		f.mu.Lock()
		if m := initReport.FindStringSubmatch(line); m != nil {
			f.coldStarts = append(f.coldStarts, ColdStart{Init: milliseconds(m[1])})
			pending = len(f.coldStarts) - 1
		} else if m := reportedInit.FindStringSubmatch(line); m != nil && pending >= 0 {
			f.coldStarts[pending].Reported = milliseconds(m[1])
			pending = -1
		}
		f.mu.Unlock()
	}
	// Drain what a line too long for the scanner leaves, so the emulator never blocks.
	_, _ = io.Copy(io.Discard, r)
}

func milliseconds(s string) time.Duration {
	ms, _ := strconv.ParseFloat(s, 64)
	return time.Duration(ms * float64(time.Millisecond))
}

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("emulator: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
