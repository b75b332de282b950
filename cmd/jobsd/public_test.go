package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPublicBindWithoutProtectionIsRefused: on an address that is not
// loopback, jobsd does not start with --auth=none or the dev credential,
// and says which flag and what it would expose. Protected or loopback
// configurations are accepted.
func TestPublicBindWithoutProtectionIsRefused(t *testing.T) {
	file := credentialsFile(t, `[{"accessKeyId":"AKIAFILE","secretAccessKey":"a-secret-of-forty-characters-000000000000","principal":"arn:aws:iam::1:user/file"}]`)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // in the error; none: accepted
	}{
		{name: "all interfaces, no auth", env: map[string]string{"JOBS_ADDR": "0.0.0.0:8080"}, args: []string{"--auth", "none"},
			want: []string{"--addr 0.0.0.0:8080", "--auth=none", "--insecure-public"}},
		{name: "IPv6 any, dev credential", args: []string{"--addr", "[::]:8080"},
			want: []string{"--addr [::]:8080", "dev secret", "AKIALOCALDEVELOPMENT", "--insecure-public"}},
		{name: "public events endpoint, dev credential", args: []string{"--events-addr", "192.0.2.10:8443"},
			want: []string{"--events-addr 192.0.2.10:8443", "dev secret"}},
		{name: "dev secret under another key id", env: map[string]string{"JOBS_ACCESS_KEY_ID": "AKIAMINE", "JOBS_ADDR": "0.0.0.0:8080"},
			want: []string{"AKIAMINE", "dev secret"}},
		{name: "public with own secret", env: map[string]string{"JOBS_SECRET_ACCESS_KEY": "my-own-secret-my-own-secret-my-own-secr"},
			args: []string{"--addr", "0.0.0.0:8080"}},
		{name: "public with a credentials file", args: []string{"--addr", "0.0.0.0:8080", "--credentials-file", file}},
		{name: "loopback without auth", args: []string{"--addr", "127.0.0.1:8080", "--events-addr", "[::1]:8443", "--auth", "none"}},
		{name: "public profiles", args: []string{"--pprof-addr", "0.0.0.0:6060"},
			want: []string{"--pprof-addr 0.0.0.0:6060", "no authentication", "--insecure-public"}},
		{name: "public profiles, own secret", env: map[string]string{"JOBS_PPROF_ADDR": ":6060", "JOBS_SECRET_ACCESS_KEY": "my-own-secret-my-own-secret-my-own-secr"},
			want: []string{"--pprof-addr :6060", "--insecure-public"}},
		{name: "public profiles with --insecure-public", args: []string{"--pprof-addr", "0.0.0.0:6060", "--insecure-public"}},
		{name: "loopback profiles", args: []string{"--pprof-addr", "localhost:6060"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			// run reads the configuration with serveConfig before it opens
			// or binds anything; running it here would bind publicly.
			_, _, err := serveConfig(tt.args, io.Discard)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestInsecurePublicIsAllowedWithAWarning: --insecure-public (or its
// environment twin) lets the refused configurations through, and the log
// says, at WARN, what is exposed.
func TestInsecurePublicIsAllowedWithAWarning(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{name: "flag", args: []string{"--addr", "0.0.0.0:8080", "--auth", "none", "--insecure-public"}},
		{name: "environment", args: []string{"--addr", "0.0.0.0:8080", "--auth", "none"}, env: map[string]string{"JOBS_INSECURE_PUBLIC": "true"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var logs bytes.Buffer
			if _, _, err := serveConfig(tt.args, &logs); err != nil {
				t.Fatalf("refused with --insecure-public: %v", err)
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "--addr 0.0.0.0:8080") ||
				!strings.Contains(logs.String(), "--auth=none lets every caller act as arn:aws:iam::000000000000:user/local-dev") {
				t.Fatalf("log %q, want a WARN line saying what is exposed", logs.String())
			}
		})
	}
	var logs bytes.Buffer
	if _, _, err := serveConfig([]string{"--auth", "none", "--insecure-public"}, &logs); err != nil || logs.Len() != 0 {
		t.Fatalf("on loopback: %v, log %q; want no warning", err, logs.String())
	}
}

func credentialsFile(t *testing.T, content string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
