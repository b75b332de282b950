package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/credfile"
	"github.com/asyncjobs/asyncjobs/internal/envflag"
	"github.com/asyncjobs/asyncjobs/local"
	"github.com/asyncjobs/asyncjobs/push"
)

// settings is what jobsd was told: the system's configuration and what the
// banner needs besides.
type settings struct {
	local.Config
	credentialsFile string // where the principals come from; empty: the local principal
	pprofAddr       string // where net/http/pprof listens; empty: nowhere
}

// serveConfig reads the flags and their environment twins, and logs a
// warning for an exposure that --insecure-public allowed.
func serveConfig(args []string, stderr io.Writer) (settings, *slog.Logger, error) {
	fs := flag.NewFlagSet("jobsd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := local.DefaultConfig()
	env := map[string]string{}
	str := func(p *string, name, envName, def, usage string) {
		env[name] = envName
		fs.StringVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, envName))
	}
	dur := func(p *time.Duration, name, envName string, def time.Duration, usage string) {
		env[name] = envName
		fs.DurationVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, envName))
	}
	num := func(p *int, name, envName string, def int, usage string) {
		env[name] = envName
		fs.IntVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, envName))
	}
	var logLevel, logFormat, authMode, credentialsFile, pprofAddr string
	var insecurePublic bool
	str(&authMode, "auth", "JOBS_AUTH", "sigv4", "sigv4: verify AWS SigV4 signatures (service execute-api) as API Gateway's AWS_IAM auth does; none: accept unsigned calls, every one acting as the first principal")
	str(&credentialsFile, "credentials-file", "JOBS_CREDENTIALS_FILE", "", `the principals, instead of the local one: a JSON list of {"accessKeyId","secretAccessKey","sessionToken"?,"principal"}`)
	str(&cfg.Addr, "addr", "JOBS_ADDR", cfg.Addr, "where the HTTP API listens; a request whose Host is not an IP address, a loopback name or this host gets 421")
	str(&cfg.EventsAddr, "events-addr", "JOBS_EVENTS_ADDR", cfg.EventsAddr, "where the AppSync-Events-compatible endpoint listens (HTTPS and WSS on one port)")
	str(&cfg.EventsAPIKey, "events-api-key", "JOBS_EVENTS_API_KEY", cfg.EventsAPIKey, "the API key of the events endpoint (default: a random key made on the first start, kept in <data-dir>/"+local.EventsAPIKeyFile+")")
	str(&cfg.EventsNamespace, "events-namespace", "JOBS_EVENTS_NAMESPACE", cfg.EventsNamespace, "the channel namespace of job events")
	str(&cfg.DataDir, "data-dir", "JOBS_DATA_DIR", cfg.DataDir, "where jobs and archived failures are kept")
	str(&cfg.Region, "region", "JOBS_REGION", cfg.Region, "the AWS region that failure records name")
	dur(&cfg.Retention, "retention", "JOBS_RETENTION", cfg.Retention, "how long a job is kept after it is created")
	dur(&cfg.SweepEvery, "sweep-every", "JOBS_SWEEP_EVERY", cfg.SweepEvery, "how often expired jobs are deleted")
	num(&cfg.Workers, "workers", "JOBS_WORKERS", cfg.Workers, "how many jobs run at once")
	num(&cfg.MaxConnections, "max-connections", "JOBS_MAX_CONNECTIONS", cfg.MaxConnections, "API connections served at once (idle keep-alive ones count); beyond them a connection gets 503 + Retry-After; 0: no limit")
	num(&cfg.EventsMaxConnections, "events-max-connections", "JOBS_EVENTS_MAX_CONNECTIONS", cfg.EventsMaxConnections, "WebSocket connections the events endpoint holds at once; beyond them an upgrade gets 503")
	num(&cfg.QueueSize, "queue-size", "JOBS_QUEUE_SIZE", cfg.QueueSize, "how many jobs may be accepted and unfinished; beyond it POST answers 503")
	num(&cfg.MaxRetries, "retries", "JOBS_RETRIES", cfg.MaxRetries, "how many times a failed job is retried, 0 to 2, as Lambda's async retries")
	dur(&cfg.RetryDelay, "retry-delay", "JOBS_RETRY_DELAY", cfg.RetryDelay, "the pause before the first retry; doubled before the second")
	dur(&cfg.MaxEventAge, "max-event-age", "JOBS_MAX_EVENT_AGE", cfg.MaxEventAge, "a job not started within this age is failed with EventAgeExceeded")
	dur(&cfg.BodyReadTimeout, "body-read-timeout", "JOBS_BODY_READ_TIMEOUT", cfg.BodyReadTimeout, "how long a request body may take to arrive; a slower one gets 400 and its connection is closed")
	dur(&cfg.ShutdownTimeout, "shutdown-timeout", "JOBS_SHUTDOWN_TIMEOUT", cfg.ShutdownTimeout, "how long running jobs may finish at shutdown before they are left to the next start")
	dur(&cfg.JobTypes.OrderStep, "order-step", "JOBS_ORDER_STEP", cfg.JobTypes.OrderStep, "the pause between two steps of an order job")
	str(&pprofAddr, "pprof-addr", "JOBS_PPROF_ADDR", "", "where net/http/pprof serves /debug/pprof/, apart from the API (loopback, e.g. 127.0.0.1:6060); empty: not served")
	str(&logLevel, "log-level", "JOBS_LOG_LEVEL", "info", "debug, info, warn or error")
	str(&logFormat, "log-format", "JOBS_LOG_FORMAT", "text", "text or json")
	env["max-body-bytes"] = "JOBS_MAX_BODY_BYTES"
	fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", cfg.MaxBodyBytes, "the largest POST body; larger ones get 413 (env JOBS_MAX_BODY_BYTES)")
	env["metrics"] = "JOBS_METRICS"
	fs.BoolVar(&cfg.Metrics, "metrics", cfg.Metrics, "measure jobs, queues, the store, HTTP and push, and serve them at GET /metrics on the API's address in Prometheus's text format, to loopback peers only (env JOBS_METRICS)")
	env["insecure-public"] = "JOBS_INSECURE_PUBLIC"
	fs.BoolVar(&insecurePublic, "insecure-public", false, "serve on an address that is not loopback even with --auth=none or the dev credential, which let anyone in (env JOBS_INSECURE_PUBLIC)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: jobsd [flags]\n       jobsd replay --from TIME [--to TIME] [--data-dir DIR]   (jobsd replay -h for more)\n\n"+
			"Every flag can also be set by the environment variable named beside it; a flag on the command line wins.\n"+
			"Without --credentials-file the one principal is the local one, whose keys come from JOBS_ACCESS_KEY_ID and\n"+
			"JOBS_SECRET_ACCESS_KEY (default: the dev keys in the README, which jobsd refuses on an address that is not loopback).")
		fs.PrintDefaults()
	}
	s := settings{Config: cfg}
	if err := envflag.Parse(fs, args, env); err != nil {
		return s, nil, err
	}
	logger, err := newLogger(stderr, logLevel, logFormat)
	if err != nil {
		return s, nil, err
	}
	cfg.Logger = logger
	if cfg.Auth, err = authEnabled(authMode); err != nil {
		return s, nil, err
	}
	if cfg.Credentials, err = credfile.Read(credentialsFile); err != nil {
		return s, nil, err
	}
	s = settings{Config: cfg, credentialsFile: credentialsFile, pprofAddr: pprofAddr}
	if err := validate(cfg); err != nil {
		return s, nil, err
	}
	warning, err := publicExposure(cfg, insecurePublic)
	if err != nil {
		return s, nil, err
	}
	profilesWarning, err := profilesExposure(pprofAddr, insecurePublic)
	if err != nil {
		return s, nil, err
	}
	for _, w := range []string{warning, profilesWarning} {
		if w != "" {
			logger.Warn(w)
		}
	}
	return s, logger, nil
}

func validate(cfg local.Config) error {
	var problems []string
	check := func(ok bool, msg string) {
		if !ok {
			problems = append(problems, msg)
		}
	}
	check(cfg.DataDir != "", "--data-dir must not be empty")
	check(push.ValidNamespace(cfg.EventsNamespace), "--events-namespace must be one channel segment: 1 to 50 letters, digits or '-'")
	check(cfg.Retention > 0, "--retention must be positive")
	check(cfg.SweepEvery > 0, "--sweep-every must be positive")
	check(cfg.Workers >= 1, "--workers must be at least 1")
	check(cfg.QueueSize >= cfg.Workers, "--queue-size must be at least --workers")
	check(cfg.MaxConnections >= 0, "--max-connections must not be negative")
	check(cfg.EventsMaxConnections >= 1, "--events-max-connections must be at least 1")
	check(cfg.MaxRetries >= 0 && cfg.MaxRetries <= 2, "--retries must be 0, 1 or 2")
	check(cfg.RetryDelay >= 0, "--retry-delay must not be negative")
	check(cfg.MaxEventAge >= time.Minute, "--max-event-age must be at least 1m (Lambda allows 60s to 6h)")
	check(cfg.MaxBodyBytes >= 1024, "--max-body-bytes must be at least 1024")
	check(cfg.BodyReadTimeout > 0, "--body-read-timeout must be positive")
	check(cfg.ShutdownTimeout >= 0, "--shutdown-timeout must not be negative")
	check(cfg.JobTypes.OrderStep >= 0, "--order-step must not be negative")
	if len(problems) > 0 {
		return fmt.Errorf("invalid configuration: %s", strings.Join(problems, "; "))
	}
	return nil
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
	}
}
