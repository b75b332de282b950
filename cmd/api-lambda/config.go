package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/asyncjobs/asyncjobs/push"
)

// DefaultRetention is how long a job is kept unless JOBS_RETENTION says otherwise.
const DefaultRetention = 7 * 24 * time.Hour

// config is what the stack tells the function through its environment.
type config struct {
	Region            string        // AWS_REGION, set by Lambda
	TableName         string        // JOBS_TABLE_NAME
	ProcessorFunction string        // JOBS_PROCESSOR_FUNCTION_NAME: name or ARN
	EventsEndpoint    string        // JOBS_EVENTS_HTTP_ENDPOINT: https://host/event
	RealtimeEndpoint  string        // JOBS_EVENTS_REALTIME_ENDPOINT: wss://host/event/realtime
	Namespace         string        // JOBS_EVENTS_NAMESPACE, default jobs
	Retention         time.Duration // JOBS_RETENTION, default 168h
	MaxBodyBytes      int64         // JOBS_MAX_BODY_BYTES, 0 for the handlers' default
}

// loadConfig reads the configuration with lookup (os.LookupEnv) and checks it.
func loadConfig(lookup func(string) (string, bool)) (config, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	cfg := config{
		Region:            get("AWS_REGION"),
		TableName:         get("JOBS_TABLE_NAME"),
		ProcessorFunction: get("JOBS_PROCESSOR_FUNCTION_NAME"),
		EventsEndpoint:    get("JOBS_EVENTS_HTTP_ENDPOINT"),
		RealtimeEndpoint:  get("JOBS_EVENTS_REALTIME_ENDPOINT"),
		Namespace:         get("JOBS_EVENTS_NAMESPACE"),
		Retention:         DefaultRetention,
	}
	if cfg.Namespace == "" {
		cfg.Namespace = push.DefaultNamespace
	}
	var problems []string
	problem := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if cfg.Region == "" {
		problem("AWS_REGION is not set")
	}
	if cfg.TableName == "" {
		problem("JOBS_TABLE_NAME is not set: the name of the jobs table")
	}
	if cfg.ProcessorFunction == "" {
		problem("JOBS_PROCESSOR_FUNCTION_NAME is not set: the processor function's name or ARN")
	}
	if !isURL(cfg.EventsEndpoint, "https") {
		problem("JOBS_EVENTS_HTTP_ENDPOINT must be the https:// URL of the AppSync Events API, not %q", cfg.EventsEndpoint)
	}
	if !isURL(cfg.RealtimeEndpoint, "wss") {
		problem("JOBS_EVENTS_REALTIME_ENDPOINT must be the wss:// URL of the AppSync Events API, not %q", cfg.RealtimeEndpoint)
	}
	if _, err := push.NormalizeChannel(cfg.Namespace, false); err != nil || strings.Contains(strings.Trim(cfg.Namespace, "/"), "/") {
		problem("JOBS_EVENTS_NAMESPACE must be one channel segment (1 to 50 letters, digits or '-'), not %q", cfg.Namespace)
	}
	if v := get("JOBS_RETENTION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			problem("JOBS_RETENTION must be a positive Go duration such as 168h, not %q", v)
		}
		cfg.Retention = d
	}
	if v := get("JOBS_MAX_BODY_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			problem("JOBS_MAX_BODY_BYTES must be a number of bytes, at least 1024, not %q", v)
		}
		cfg.MaxBodyBytes = n
	}
	if len(problems) > 0 {
		return cfg, fmt.Errorf("invalid configuration: %s", strings.Join(problems, "; "))
	}
	return cfg, nil
}

func isURL(s, scheme string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == scheme && u.Host != ""
}
