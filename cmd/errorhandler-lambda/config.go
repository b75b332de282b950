package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/asyncjobs/asyncjobs/push"
)

// config is what the stack tells the function through its environment.
type config struct {
	Region         string // AWS_REGION, set by Lambda
	TableName      string // JOBS_TABLE_NAME
	EventsEndpoint string // JOBS_EVENTS_HTTP_ENDPOINT: https://host/event
	Namespace      string // JOBS_EVENTS_NAMESPACE, default jobs
}

// loadConfig reads the configuration with lookup (os.LookupEnv) and checks it.
func loadConfig(lookup func(string) (string, bool)) (config, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	cfg := config{
		Region:         get("AWS_REGION"),
		TableName:      get("JOBS_TABLE_NAME"),
		EventsEndpoint: get("JOBS_EVENTS_HTTP_ENDPOINT"),
		Namespace:      get("JOBS_EVENTS_NAMESPACE"),
	}
	if cfg.Namespace == "" {
		cfg.Namespace = push.DefaultNamespace
	}
	var problems []string
	if cfg.Region == "" {
		problems = append(problems, "AWS_REGION is not set")
	}
	if cfg.TableName == "" {
		problems = append(problems, "JOBS_TABLE_NAME is not set: the name of the jobs table")
	}
	if u, err := url.Parse(cfg.EventsEndpoint); err != nil || u.Scheme != "https" || u.Host == "" {
		problems = append(problems, fmt.Sprintf("JOBS_EVENTS_HTTP_ENDPOINT must be the https:// URL of the AppSync Events API, not %q", cfg.EventsEndpoint))
	}
	if _, err := push.NormalizeChannel(cfg.Namespace, false); err != nil || strings.Contains(strings.Trim(cfg.Namespace, "/"), "/") {
		problems = append(problems, fmt.Sprintf("JOBS_EVENTS_NAMESPACE must be one channel segment (1 to 50 letters, digits or '-'), not %q", cfg.Namespace))
	}
	if len(problems) > 0 {
		return cfg, fmt.Errorf("invalid configuration: %s", strings.Join(problems, "; "))
	}
	return cfg, nil
}
