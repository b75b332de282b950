package main

import (
	"strconv"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/lambdaenv"
)

// DefaultRetention is how long a job is kept unless JOBS_RETENTION says otherwise.
const DefaultRetention = 7 * 24 * time.Hour

// config is what the stack tells the API function through its environment:
// what every function is told, and more.
type config struct {
	lambdaenv.Config
	ProcessorFunction string        // JOBS_PROCESSOR_FUNCTION_NAME: name or ARN
	RealtimeEndpoint  string        // JOBS_EVENTS_REALTIME_ENDPOINT: wss://host/event/realtime
	Retention         time.Duration // JOBS_RETENTION, default 168h
	MaxBodyBytes      int64         // JOBS_MAX_BODY_BYTES, 0 for the handlers' default
	InvokeRole        invokeRole    // JOBS_INVOKE_ROLE_ARN: the stack's JobsAPIInvokeRole
}

// loadConfig reads the configuration with lookup (os.LookupEnv) and checks it.
func loadConfig(lookup func(string) (string, bool)) (config, error) {
	r := lambdaenv.NewReader(lookup)
	cfg := config{
		Config:            r.Shared(),
		ProcessorFunction: r.Get("JOBS_PROCESSOR_FUNCTION_NAME"),
		RealtimeEndpoint:  r.URL("JOBS_EVENTS_REALTIME_ENDPOINT", "wss", "the AppSync Events API"),
		Retention:         DefaultRetention,
	}
	if cfg.ProcessorFunction == "" {
		r.Problem("JOBS_PROCESSOR_FUNCTION_NAME is not set: the processor function's name or ARN")
	}
	role, err := parseInvokeRole(r.Get("JOBS_INVOKE_ROLE_ARN"))
	if err != nil {
		r.Problem("JOBS_INVOKE_ROLE_ARN must be the ARN of the stack's invoke role: %v", err)
	}
	cfg.InvokeRole = role
	if v := r.Get("JOBS_RETENTION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			r.Problem("JOBS_RETENTION must be a positive Go duration such as 168h, not %q", v)
		}
		cfg.Retention = d
	}
	if v := r.Get("JOBS_MAX_BODY_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			r.Problem("JOBS_MAX_BODY_BYTES must be a number of bytes, at least 1024, not %q", v)
		}
		cfg.MaxBodyBytes = n
	}
	return cfg, r.Err()
}
