package main

import (
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/lambdaenv"
)

// env is a lookup over a map, as os.LookupEnv over the environment.
func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// stackEnv is what the stack sets, without the optional variables.
func stackEnv() map[string]string {
	return map[string]string{
		"AWS_REGION":                    "eu-west-1",
		"JOBS_TABLE_NAME":               "jobs",
		"JOBS_PROCESSOR_FUNCTION_NAME":  "jobs-processor",
		"JOBS_EVENTS_HTTP_ENDPOINT":     "https://abc.appsync-api.eu-west-1.amazonaws.com/event",
		"JOBS_EVENTS_REALTIME_ENDPOINT": "wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime",
		"JOBS_INVOKE_ROLE_ARN":          "arn:aws:iam::123456789012:role/AsyncJobs-JobsAPIInvokeRole1A2B3C4D-EXAMPLE",
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(env(stackEnv()))
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		Config: lambdaenv.Config{Region: "eu-west-1", TableName: "jobs", Namespace: "jobs", MetricsNamespace: "AsyncJobs",
			EventsEndpoint: "https://abc.appsync-api.eu-west-1.amazonaws.com/event"},
		ProcessorFunction: "jobs-processor",
		RealtimeEndpoint:  "wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime",
		Retention:         168 * time.Hour,
		InvokeRole:        invokeRole{account: "123456789012", name: "AsyncJobs-JobsAPIInvokeRole1A2B3C4D-EXAMPLE"},
	}
	if cfg != want {
		t.Errorf("got %+v, want %+v", cfg, want)
	}

	vars := stackEnv()
	vars["JOBS_EVENTS_NAMESPACE"], vars["JOBS_RETENTION"], vars["JOBS_MAX_BODY_BYTES"] = "orders", "24h", "131072"
	cfg, err = loadConfig(env(vars))
	if err != nil || cfg.Namespace != "orders" || cfg.Retention != 24*time.Hour || cfg.MaxBodyBytes != 131072 {
		t.Errorf("got %+v, %v, want the optional variables applied", cfg, err)
	}
}

func TestLoadConfigRefuses(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		name, value string // set, or with value "", unset
		want        string
	}{
		"no table":           {name: "JOBS_TABLE_NAME", want: "JOBS_TABLE_NAME is not set"},
		"no region":          {name: "AWS_REGION", want: "AWS_REGION is not set"},
		"no processor":       {name: "JOBS_PROCESSOR_FUNCTION_NAME", want: "JOBS_PROCESSOR_FUNCTION_NAME is not set"},
		"no events":          {name: "JOBS_EVENTS_HTTP_ENDPOINT", want: "JOBS_EVENTS_HTTP_ENDPOINT must be the https:// URL"},
		"no realtime":        {name: "JOBS_EVENTS_REALTIME_ENDPOINT", want: "JOBS_EVENTS_REALTIME_ENDPOINT must be the wss:// URL"},
		"https realtime":     {name: "JOBS_EVENTS_REALTIME_ENDPOINT", value: "https://abc/event/realtime", want: "must be the wss:// URL"},
		"two segments":       {name: "JOBS_EVENTS_NAMESPACE", value: "jobs/x", want: "JOBS_EVENTS_NAMESPACE must be one channel segment"},
		"retention in days":  {name: "JOBS_RETENTION", value: "7d", want: "JOBS_RETENTION must be a positive Go duration"},
		"negative retention": {name: "JOBS_RETENTION", value: "-1h", want: "JOBS_RETENTION must be a positive Go duration"},
		"tiny body limit":    {name: "JOBS_MAX_BODY_BYTES", value: "100", want: "JOBS_MAX_BODY_BYTES must be a number of bytes, at least 1024"},
		"no invoke role":     {name: "JOBS_INVOKE_ROLE_ARN", want: "JOBS_INVOKE_ROLE_ARN must be the ARN of the stack's invoke role"},
		"invoke role a user": {name: "JOBS_INVOKE_ROLE_ARN", value: "arn:aws:iam::123456789012:user/alice", want: "is not the ARN of an IAM role"},
	}
	for name, tt := range tests {
		vars := stackEnv()
		delete(vars, tt.name)
		if tt.value != "" {
			vars[tt.name] = tt.value
		}
		_, err := loadConfig(env(vars))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, tt.want)
		}
	}
}
