package lambdaenv

import (
	"strings"
	"testing"
)

// env is a lookup over a map, as os.LookupEnv over the environment.
func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func fullEnv() map[string]string {
	return map[string]string{
		"AWS_REGION":                "eu-west-1",
		"JOBS_TABLE_NAME":           "jobs",
		"JOBS_EVENTS_HTTP_ENDPOINT": "https://abc.appsync-api.eu-west-1.amazonaws.com/event",
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	cfg, err := Load(env(fullEnv()))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Region: "eu-west-1", TableName: "jobs", EventsEndpoint: "https://abc.appsync-api.eu-west-1.amazonaws.com/event", Namespace: "jobs", MetricsNamespace: "AsyncJobs"}
	if cfg != want {
		t.Errorf("got %+v, want %+v", cfg, want)
	}
}

func TestLoadConfigMetricsNamespace(t *testing.T) {
	t.Parallel()
	vars := fullEnv()
	vars["JOBS_METRICS_NAMESPACE"] = "AsyncJobs-prod"
	cfg, err := Load(env(vars))
	if err != nil || cfg.MetricsNamespace != "AsyncJobs-prod" {
		t.Errorf("got %q, %v, want AsyncJobs-prod", cfg.MetricsNamespace, err)
	}
}

func TestLoadConfigRefuses(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		name, value string // set (or, with value "", unset)
		want        string
	}{
		"no table":          {name: "JOBS_TABLE_NAME", want: "JOBS_TABLE_NAME is not set"},
		"no region":         {name: "AWS_REGION", want: "AWS_REGION is not set"},
		"no events":         {name: "JOBS_EVENTS_HTTP_ENDPOINT", want: "JOBS_EVENTS_HTTP_ENDPOINT must be the https:// URL"},
		"plain http events": {name: "JOBS_EVENTS_HTTP_ENDPOINT", value: "http://abc/event", want: "JOBS_EVENTS_HTTP_ENDPOINT must be the https:// URL"},
		"two segments":      {name: "JOBS_EVENTS_NAMESPACE", value: "jobs/x", want: "JOBS_EVENTS_NAMESPACE must be one channel segment"},
		"AWS's metrics":     {name: "JOBS_METRICS_NAMESPACE", value: "AWS/Lambda", want: "JOBS_METRICS_NAMESPACE must be a CloudWatch namespace"},
	}
	for name, tt := range tests {
		vars := fullEnv()
		delete(vars, tt.name)
		if tt.value != "" {
			vars[tt.name] = tt.value
		}
		_, err := Load(env(vars))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, tt.want)
		}
	}
}
