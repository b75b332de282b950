package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/push/localevents"
)

// localCAServer serves HTTPS on 127.0.0.1 with a certificate from a local CA
// created, as jobsd does, in <data dir>/tls, and returns the data dir and
// the server's URL.
func localCAServer(t *testing.T) (dataDir, url string) {
	t.Helper()
	dataDir = t.TempDir()
	config, _, err := localevents.ServerTLS(filepath.Join(dataDir, "tls"))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	ts.Listener = tls.NewListener(ts.Listener, config) // StartTLS would serve httptest's certificate
	ts.Start()
	t.Cleanup(ts.Close)
	return dataDir, "https://" + ts.Listener.Addr().String()
}

// parseAPIFlags parses args as a command's API flags.
func parseAPIFlags(t *testing.T, args ...string) *apiOptions {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := apiFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

// The local CA is trusted for endpoints on this machine, and for others only
// when --ca-file names it: a CA whose key sits in a data directory must not
// be trusted for AWS or any other site.
func TestLocalCATrustedOnlyForLoopbackEndpoints(t *testing.T) {
	t.Parallel()
	dataDir, url := localCAServer(t)
	caFile := filepath.Join(dataDir, "tls", "ca.pem")
	for _, tc := range []struct {
		name     string
		args     []string
		endpoint string // the endpoint the client is built for; requests go to url
		trusted  bool
	}{
		{"loopback endpoint, the CA in --data-dir", []string{"--data-dir", dataDir}, url, true},
		{"loopback IP endpoint", []string{"--data-dir", dataDir}, "https://127.0.0.1:8443/event", true},
		{"AWS endpoint, the CA in --data-dir", []string{"--data-dir", dataDir}, "https://abc.appsync-api.us-east-1.amazonaws.com/event", false},
		{"AWS endpoint, explicit --ca-file", []string{"--ca-file", caFile}, "https://abc.appsync-api.us-east-1.amazonaws.com/event", true},
		{"loopback endpoint, no local CA", []string{"--data-dir", t.TempDir()}, url, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hc, err := parseAPIFlags(t, tc.args...).httpClient(tc.endpoint)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Get(url)
			if err == nil {
				resp.Body.Close()
			}
			if tc.trusted && err != nil {
				t.Errorf("the local CA is not trusted: %v", err)
			}
			if !tc.trusted && (err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority")) {
				t.Errorf("request: %v, want the local CA untrusted", err)
			}
		})
	}
}

func TestExplicitCAFileMustExist(t *testing.T) {
	t.Parallel()
	_, err := parseAPIFlags(t, "--ca-file", filepath.Join(t.TempDir(), "none.pem")).httpClient("https://example.com")
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing --ca-file: %v, want an error", err)
	}
}

// Without --events-api-key, jobsctl uses the key a local jobsd wrote into
// its data directory, and only for an events endpoint on this machine.
func TestEventsAPIKeyFromDataDir(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	if err := os.WriteFile(filepath.Join(d.cfg.DataDir, eventsAPIKeyFile), []byte(d.cfg.EventsAPIKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := d.submit(t, `{"seconds":1}`)
	var out, notes bytes.Buffer
	args := append([]string{"watch"}, d.api...)
	args = append(args, "--events-endpoint", "https://"+d.sys.EventsAddr()+"/event", id)
	if err := run(context.Background(), args, &out, &notes); err != nil {
		t.Fatalf("watch with the key from --data-dir: %v\n%s%s", err, out.String(), notes.String())
	}
	if !strings.Contains(out.String(), "Success") {
		t.Fatalf("watch printed\n%s\nwant the job's Success", out.String())
	}
}

func TestEventsAPIKeyDefault(t *testing.T) {
	t.Parallel()
	withKey := t.TempDir()
	if err := os.WriteFile(filepath.Join(withKey, eventsAPIKeyFile), []byte("da2-fromthefile\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const aws = "https://abc.appsync-api.us-east-1.amazonaws.com/event"
	for _, tc := range []struct {
		name, flagKey, endpoint, dataDir string
		want, wantErr                    string
	}{
		{name: "the flag wins", flagKey: "da2-flag", endpoint: "https://127.0.0.1:8443/event", dataDir: withKey, want: "da2-flag"},
		{name: "loopback: the data dir's", endpoint: "https://localhost:8443/event", dataDir: withKey, want: "da2-fromthefile"},
		{name: "loopback, no file", endpoint: "https://127.0.0.1:8443/event", dataDir: t.TempDir(),
			wantErr: "set --events-api-key (in AWS: aws appsync list-api-keys --api-id <EventsApiId>), or --data-dir"},
		{name: "AWS: never the data dir's", endpoint: aws, dataDir: withKey,
			wantErr: "no events API key for " + aws + ": set --events-api-key (in AWS: aws appsync list-api-keys --api-id <EventsApiId>)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &eventsOptions{endpoint: tc.endpoint, apiKey: tc.flagKey}
			key, err := o.key(tc.dataDir)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("key: %q, %v; want the error %q", key, err, tc.wantErr)
				}
				return
			}
			if err != nil || key != tc.want {
				t.Fatalf("key: %q, %v; want %q", key, err, tc.want)
			}
		})
	}
}

// JOBS_EVENTS_API_KEY is the flag's default.
func TestEventsAPIKeyFromEnvironment(t *testing.T) {
	t.Setenv("JOBS_EVENTS_API_KEY", "da2-fromtheenv")
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	o := eventsFlags(fs)
	if err := fs.Parse([]string{"--events-endpoint", "https://abc.appsync-api.us-east-1.amazonaws.com/event"}); err != nil {
		t.Fatal(err)
	}
	if key, err := o.key(t.TempDir()); err != nil || key != "da2-fromtheenv" {
		t.Fatalf("key: %q, %v; want the environment's", key, err)
	}
}
