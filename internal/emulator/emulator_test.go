package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/lambdabuild"
	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
)

// built holds the emulator and the echo function, built once per test binary.
var built struct {
	once                sync.Once
	emulator, bootstrap string
	err                 error
}

func build(t *testing.T) (emulator, bootstrap string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the Lambda runtime interface emulator")
	}
	built.once.Do(func() {
		b := lambdabuild.Builder{ModuleDir: filepath.Join("..", "..")}
		if built.emulator, built.err = b.Emulator(context.Background(), builtDir); built.err != nil {
			return
		}
		built.bootstrap, built.err = b.Bootstrap(context.Background(), builtDir, "github.com/asyncjobs/asyncjobs/internal/emulator/testdata/echo")
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.emulator, built.bootstrap
}

func start(t *testing.T, cfg Config) (*Function, *syncbuf.Buffer) {
	t.Helper()
	cfg.Emulator, cfg.Bootstrap = build(t)
	log := &syncbuf.Buffer{}
	cfg.Log = log
	cfg.Region = "eu-west-3"
	if cfg.MemoryMB == 0 {
		cfg.MemoryMB = 256
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Instances == 0 {
		cfg.Instances = 1
	}
	f, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	return f, log
}

func invoke(t *testing.T, f *Function, event string) (map[string]any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a test never waits for ever
	defer cancel()
	out, err := f.Invoke(ctx, []byte(event))
	if err != nil {
		return nil, err
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	return got, nil
}

func TestFunctionGetsItsEnvironment(t *testing.T) {
	t.Parallel()
	f, log := start(t, Config{Name: "echo-env", Env: map[string]string{"JOBS_TABLE_NAME": "Jobs"}, MemoryMB: 384})
	for variable, want := range map[string]string{
		"JOBS_TABLE_NAME":                 "Jobs",
		"AWS_REGION":                      "eu-west-3",
		"AWS_LAMBDA_FUNCTION_NAME":        "echo-env",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "384",
		"HOME":                            "", // nothing of this process's environment leaks in
	} {
		got, err := invoke(t, f, `{"env":"`+variable+`"}`)
		if err != nil {
			t.Fatal(err)
		}
		if got["env"] != want {
			t.Errorf("%s = %q in the function, want %q", variable, got["env"], want)
		}
	}
	starts := f.ColdStarts()
	if len(starts) != 1 || starts[0].Init <= 0 {
		t.Errorf("cold starts %+v, want one with its init duration", starts)
	}
	if !strings.Contains(log.String(), "echo-env | REPORT RequestId:") || !strings.Contains(log.String(), "Memory Size: 384 MB") {
		t.Errorf("the log has no REPORT line with the memory size:\n%s", log)
	}
}

func TestFunctionErrorsAndTimeouts(t *testing.T) {
	t.Parallel()
	f, _ := start(t, Config{Name: "echo-errors", Timeout: time.Second})
	_, err := invoke(t, f, `{"fail":"the job broke"}`)
	var fnErr *FunctionError
	if !errors.As(err, &fnErr) || fnErr.Type != "errorString" || fnErr.Message != "the job broke" {
		t.Errorf("failing invocation: %#v, want a FunctionError errorString/the job broke", err)
	}
	_, err = invoke(t, f, `{"sleepMs":3000}`)
	if !errors.As(err, &fnErr) || fnErr.Type != "Sandbox.Timedout" || !strings.HasSuffix(fnErr.Message, "Error: Task timed out after 1.00 seconds") {
		t.Errorf("slow invocation: %#v, want a Sandbox.Timedout FunctionError", err)
	}
	// The emulator starts a new runtime after a timeout, as Lambda does.
	got, err := invoke(t, f, `{"errorMessage":"not an error: a payload with more fields","more":1}`)
	if err != nil || got["payload"] == nil {
		t.Errorf("after the timeout: %v, %v; want the echo", got, err)
	}
	if n := len(f.ColdStarts()); n != 2 {
		t.Errorf("%d cold starts, want 2 (the first, then after the timeout)", n)
	}
}

func TestInstancesRunInvocationsAtOnce(t *testing.T) {
	t.Parallel()
	f, _ := start(t, Config{Name: "echo-pool", Instances: 2})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	hold := `{"hold":"` + l.Addr().String() + `"}`
	done := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := f.Invoke(t.Context(), []byte(hold))
			done <- err
		}()
	}
	var held []net.Conn
	for range 2 { // both instances run at once: each holds a connection
		held = append(held, acceptHold(t, l, done))
	}
	// A third invocation waits for a free instance.
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := f.Invoke(ctx, []byte(hold)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("third invocation with both instances busy: %v, want it to wait until its deadline", err)
	}
	for _, conn := range held {
		conn.Close()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// acceptHold accepts the connection of an invocation of {"hold": l's
// address}, failing the test if an invocation ends first (its error comes on
// ended) or none connects within a minute: a test never waits for ever.
func acceptHold(t *testing.T, l net.Listener, ended <-chan error) net.Conn {
	t.Helper()
	if err := l.(*net.TCPListener).SetDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	failed := make(chan error, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			failed <- err
			return
		}
		accepted <- conn
	}()
	select {
	case conn := <-accepted:
		return conn
	case err := <-failed:
		t.Fatalf("no invocation held a connection: %v", err)
	case err := <-ended:
		t.Fatalf("an invocation ended before it held a connection: %v", err)
	}
	return nil
}
