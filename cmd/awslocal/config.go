package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/awslocal"
	"github.com/asyncjobs/asyncjobs/internal/credfile"
	"github.com/asyncjobs/asyncjobs/internal/envflag"
	"github.com/asyncjobs/asyncjobs/internal/eventskey"
	"github.com/asyncjobs/asyncjobs/internal/loopback"
)

// account is the local stack's AWS account, as jobsd's.
const account = "000000000000"

// settings is what awslocal was told.
type settings struct {
	awslocal.Config
	credentialsFile string
	ShutdownTimeout time.Duration
}

func readSettings(args []string, stderr io.Writer) (settings, error) {
	fs := flag.NewFlagSet("awslocal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := map[string]string{}
	str := func(p *string, name, envName, def, usage string) {
		env[name] = envName
		fs.StringVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, envName))
	}
	s := settings{Config: awslocal.Config{Account: account}}
	var logLevel, concurrency, retryDelay, shutdown string
	str(&s.Addr, "addr", "JOBS_ADDR", "127.0.0.1:8080", "where the API (API Gateway's stage) listens; loopback only")
	str(&s.EventsAddr, "events-addr", "JOBS_EVENTS_ADDR", "127.0.0.1:8443", "where the AppSync Events endpoint listens (HTTPS); loopback only")
	str(&s.EventsAPIKey, "events-api-key", "JOBS_EVENTS_API_KEY", "", "the API key of the events endpoint (default: a random key made on the first start, kept in <data-dir>/"+eventskey.File+")")
	str(&s.EventBridgeAddr, "eventbridge-addr", "JOBS_EVENTBRIDGE_ADDR", "127.0.0.1:8089", "where EventBridge's API for the failure bus listens (PutEvents, StartReplay, DescribeReplay); loopback only")
	str(&s.DataDir, "data-dir", "JOBS_DATA_DIR", filepath.Join("data", "aws"), "where the table, the failure archive, the local CA (tls/), the events API key and the built binaries (bin/) are kept")
	str(&s.credentialsFile, "credentials-file", "JOBS_CREDENTIALS_FILE", "", `the principals the API accepts, instead of the local one: a JSON list of {"accessKeyId","secretAccessKey","sessionToken"?,"principal"}`)
	str(&s.Region, "region", "JOBS_REGION", "us-east-1", "the stack's region: SigV4 scopes and ARNs")
	str(&s.CDKOut, "cdk-out", "JOBS_CDK_OUT", filepath.Join("infra", "cdk.out"), "the cloud assembly cdk synth wrote")
	str(&concurrency, "concurrency", "JOBS_CONCURRENCY", "4", "invocations of one function that run at once (emulators per function), at most its reserved concurrency")
	str(&retryDelay, "retry-delay", "JOBS_RETRY_DELAY", "1s", "the pause before an async invocation's first retry, doubled before the second (Lambda: about 1m)")
	str(&shutdown, "shutdown-timeout", "JOBS_SHUTDOWN_TIMEOUT", "10s", "how long queued invocations may finish at shutdown")
	str(&logLevel, "log-level", "JOBS_LOG_LEVEL", "info", "debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: awslocal [flags]\n\n"+
			"Runs the stack of infra/cdk.out here; `make aws-local` synthesizes it first. Every flag can also be set by\n"+
			"the environment variable named beside it; a flag on the command line wins. Without --credentials-file the\n"+
			"one principal is the local one, whose keys come from JOBS_ACCESS_KEY_ID and JOBS_SECRET_ACCESS_KEY.")
		fs.PrintDefaults()
	}
	if err := envflag.Parse(fs, args, env); err != nil {
		return s, err
	}
	var problems []string
	var err error
	if _, err = fmt.Sscan(concurrency, &s.Concurrency); err != nil || s.Concurrency < 1 {
		problems = append(problems, "--concurrency must be a number, at least 1")
	}
	if s.RetryDelay, err = time.ParseDuration(retryDelay); err != nil || s.RetryDelay < 0 {
		problems = append(problems, "--retry-delay must be a duration such as 1s")
	}
	if s.ShutdownTimeout, err = time.ParseDuration(shutdown); err != nil || s.ShutdownTimeout < 0 {
		problems = append(problems, "--shutdown-timeout must be a duration such as 10s")
	}
	for flagName, addr := range map[string]string{"--addr": s.Addr, "--events-addr": s.EventsAddr, "--eventbridge-addr": s.EventBridgeAddr} {
		if !loopback.Addr(addr) {
			problems = append(problems, fmt.Sprintf("%s %s is not a loopback address: awslocal serves this machine only", flagName, addr))
		}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		problems = append(problems, "--log-level must be debug, info, warn or error")
	}
	if len(problems) > 0 {
		return s, fmt.Errorf("invalid configuration: %s", strings.Join(problems, "; "))
	}
	s.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	s.FunctionLog = stderr
	if s.Credentials, err = credfile.Read(s.credentialsFile); err != nil {
		return s, err
	}
	if s.ModuleDir, err = moduleDir(); err != nil {
		return s, err
	}
	return s, nil
}

// moduleDir is the root of the module awslocal runs in: the bootstraps and
// the emulator are built there.
func moduleDir() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == "/dev/null" {
		return "", fmt.Errorf("run awslocal inside the asyncjobs repository (it builds the Lambda bootstraps there): go env GOMOD = %q, %v", gomod, err)
	}
	return filepath.Dir(gomod), nil
}
