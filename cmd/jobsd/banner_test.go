package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/local"
)

// twoPrincipals is a credentials file's content; its secrets must never be
// printed.
const twoPrincipals = `[
  {"accessKeyId":"AKIAFILEPRINCIPALA00","secretAccessKey":"file-secret-a-file-secret-a-file-secret-a","principal":"arn:aws:iam::1:user/a"},
  {"accessKeyId":"AKIAFILEPRINCIPALB00","secretAccessKey":"file-secret-b-file-secret-b-file-secret-b","principal":"arn:aws:iam::1:user/b"}
]`

// TestBannerSaysWhatANewcomerNeeds starts jobsd's system as run does and
// checks its banner: the events API key and its file, a configured key
// masked, the principal to sign as and never a secret from a file.
func TestBannerSaysWhatANewcomerNeeds(t *testing.T) {
	file := credentialsFile(t, twoPrincipals)
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		want      []string
		forbidden []string
	}{
		{name: "defaults",
			want: []string{"API key   da2-", "(kept in " + filepath.Join("DATA", local.EventsAPIKeyFile) + ")",
				"access key " + sigv4.DevAccessKeyID + "  secret " + sigv4.DevSecretAccessKey, "(subscribe to /jobs/{id})", "/console/   (your jobs, live, in the browser; acts as " + sigv4.DevPrincipal + ")",
				"/metrics   (Prometheus; from this machine only)"}},
		{name: "metrics off", env: map[string]string{"JOBS_METRICS": "false"}, forbidden: []string{"/metrics"}},
		{name: "configured key", env: map[string]string{"JOBS_EVENTS_API_KEY": "da2-operatorchosenkey0000000"},
			want:      []string{"API key   da2-oper…   (from --events-api-key or JOBS_EVENTS_API_KEY)"},
			forbidden: []string{"da2-operatorchosenkey0000000"}},
		{name: "credentials file", args: []string{"--credentials-file", file},
			want: []string{"access key AKIAFILEPRINCIPALA00  secret $SECRET  (arn:aws:iam::1:user/a)",
				"the first of 2 principals in " + file, "in the browser; acts as arn:aws:iam::1:user/a)"},
			forbidden: []string{"file-secret-a", "file-secret-b", sigv4.DevAccessKeyID}},
		{name: "credentials file without auth", args: []string{"--credentials-file", file, "--auth", "none"},
			want: []string{"every call acts as arn:aws:iam::1:user/a"}, forbidden: []string{"file-secret-a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			args := append([]string{"--addr", "127.0.0.1:0", "--events-addr", "127.0.0.1:0", "--data-dir", dir}, tt.args...)
			s, _, err := serveConfig(args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			sys, err := local.Start(s.Config)
			if err != nil {
				t.Fatal(err)
			}
			defer sys.Shutdown(context.Background())
			var out bytes.Buffer
			printEndpoints(&out, sys, s, "")
			banner := out.String()
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "DATA", dir); !strings.Contains(banner, w) {
					t.Errorf("the banner does not say %q:\n%s", w, banner)
				}
			}
			for _, f := range tt.forbidden {
				if strings.Contains(banner, f) {
					t.Errorf("the banner shows %q:\n%s", f, banner)
				}
			}
			if sys.EventsAPIKeyFile() != "" && !strings.Contains(banner, sys.EventsAPIKey()) {
				t.Errorf("the banner does not show the key %s of %s:\n%s", sys.EventsAPIKey(), sys.EventsAPIKeyFile(), banner)
			}
		})
	}
}
