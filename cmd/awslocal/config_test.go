package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestSettingsFromFlagsAndEnvironment(t *testing.T) {
	t.Setenv("JOBS_ADDR", "127.0.0.1:9191")
	t.Setenv("JOBS_RETRY_DELAY", "250ms")
	s, err := readSettings([]string{"--concurrency", "2", "--data-dir", t.TempDir()}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr != "127.0.0.1:9191" || s.RetryDelay != 250*time.Millisecond || s.Concurrency != 2 || s.Account != account {
		t.Errorf("settings %+v", s.Config)
	}
	if len(s.Credentials) != 1 || s.ModuleDir == "" {
		t.Errorf("credentials %d, module %q: want the local principal and the repository", len(s.Credentials), s.ModuleDir)
	}
}

func TestSettingsRefuseWhatCannotRun(t *testing.T) {
	for _, c := range []struct {
		args []string
		has  string
	}{
		{[]string{"--addr", "0.0.0.0:8080"}, "--addr 0.0.0.0:8080 is not a loopback address"},
		{[]string{"--events-addr", "192.0.2.1:8443"}, "--events-addr 192.0.2.1:8443 is not a loopback address"},
		{[]string{"--concurrency", "0"}, "--concurrency must be a number, at least 1"},
		{[]string{"--retry-delay", "soon"}, "--retry-delay must be a duration"},
		{[]string{"extra"}, "unexpected arguments: extra"},
	} {
		_, err := readSettings(c.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.has) {
			t.Errorf("%q: %v, want an error with %q", c.args, err, c.has)
		}
	}
}
