package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestFlagsAndTheirEnvironmentTwins(t *testing.T) {
	t.Setenv("JOBS_ADDR", "127.0.0.1:9999")
	t.Setenv("JOBS_RETRIES", "2")
	t.Setenv("JOBS_RETENTION", "1h")
	cfg, _, err := serveConfig([]string{"--retries", "1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || cfg.Retention != time.Hour {
		t.Fatalf("addr %s retention %s: the environment was not read", cfg.Addr, cfg.Retention)
	}
	if cfg.MaxRetries != 1 {
		t.Fatalf("retries %d: the flag must win over JOBS_RETRIES", cfg.MaxRetries)
	}
	if cfg.DataDir != "./data" || cfg.MaxBodyBytes != 64<<10 || cfg.MaxEventAge != 6*time.Hour || !cfg.Metrics {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestBadConfigurationIsRefusedClearly(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"--retries", "3"}, want: "--retries must be 0, 1 or 2"},
		{args: []string{"--workers", "8", "--queue-size", "4"}, want: "--queue-size must be at least --workers"},
		{env: map[string]string{"JOBS_WORKERS": "many"}, want: `JOBS_WORKERS="many"`},
		{args: []string{"--log-format", "xml"}, want: "--log-format must be text or json"},
		{args: []string{"extra"}, want: "unexpected arguments: extra"},
		{args: []string{"--body-read-timeout", "0s"}, want: "--body-read-timeout must be positive"},
		{args: []string{"--events-max-connections", "0"}, want: "--events-max-connections must be at least 1"},
		{env: map[string]string{"JOBS_CREDENTIALS_FILE": "EMPTY"}, want: "the list is empty; it needs at least one principal"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			for k, v := range tt.env {
				if v == "EMPTY" {
					v = credentialsFile(t, "[]")
				}
				t.Setenv(k, v) // restored when the subtest ends
			}
			_, _, err := serveConfig(tt.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("args %v env %v: error %v, want it to say %q", tt.args, tt.env, err, tt.want)
			}
		})
	}
}
