package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/asyncjobs/asyncjobs/local"
	"github.com/asyncjobs/asyncjobs/push"
)

// connection is where the API and its events endpoint are, and how to reach them.
type connection struct {
	endpoint       string
	eventsEndpoint string
	apiKey         string
	namespace      string
	caFile         string
	output         string
}

// connectionFlags declares the flags every command shares; their defaults
// come from the environment, then from jobsd's local defaults.
func connectionFlags(fs *flag.FlagSet) *connection {
	c := &connection{}
	fs.StringVar(&c.endpoint, "endpoint", env("JOBS_ENDPOINT", "http://"+local.DefaultAddr), "the API's base URL (env JOBS_ENDPOINT)")
	fs.StringVar(&c.eventsEndpoint, "events-endpoint", env("JOBS_EVENTS_ENDPOINT", "https://"+local.DefaultEventsAddr+"/event"), "the AppSync Events HTTP endpoint (env JOBS_EVENTS_ENDPOINT)")
	fs.StringVar(&c.apiKey, "events-api-key", env("JOBS_EVENTS_API_KEY", local.DevEventsAPIKey), "the events API key (env JOBS_EVENTS_API_KEY)")
	fs.StringVar(&c.namespace, "events-namespace", env("JOBS_EVENTS_NAMESPACE", push.DefaultNamespace), "the channel namespace of job events (env JOBS_EVENTS_NAMESPACE)")
	fs.StringVar(&c.caFile, "ca-file", env("JOBS_CA_FILE", "./data/tls/ca.pem"), "a CA certificate to trust besides the system's, e.g. jobsd's local CA; ignored when the file does not exist (env JOBS_CA_FILE)")
	fs.StringVar(&c.output, "output", env("JOBS_OUTPUT", "table"), "table or json (env JOBS_OUTPUT)")
	return c
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func (c *connection) check() error {
	if c.output != "table" && c.output != "json" {
		return fmt.Errorf("--output must be table or json, not %q", c.output)
	}
	return nil
}

// httpClient trusts the system's CAs and, if the file exists, caFile.
func (c *connection) httpClient() (*http.Client, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	pem, err := os.ReadFile(c.caFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read --ca-file: %w", err)
	case !pool.AppendCertsFromPEM(pem):
		return nil, fmt.Errorf("--ca-file %s holds no PEM certificate", c.caFile)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: transport, Timeout: 30 * time.Second}, nil
}

// parse reads args, which must leave exactly n positional arguments.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer, n int, what string) ([]string, error) {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != n {
		fs.Usage()
		return nil, fmt.Errorf("%s: want %d argument(s), got %d", what, n, fs.NArg())
	}
	return fs.Args(), nil
}
