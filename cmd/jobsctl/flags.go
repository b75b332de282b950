package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/asyncjobs/asyncjobs/local/localaddr"
	"github.com/asyncjobs/asyncjobs/push"
)

// apiOptions say where the API is, how to sign requests to it and how to
// print what it answers.
type apiOptions struct {
	endpoint    string
	region      string
	credentials string // local, aws, or empty: chosen by the endpoint
	profile     string
	noSign      bool
	caFile      string // explicitly given: trusted for every endpoint
	dataDir     string // jobsd's: its CA and events API key serve loopback endpoints
	output      string
}

// apiFlags declares the flags of every command that calls the API; their
// defaults come from the environment, then from jobsd's local defaults.
func apiFlags(fs *flag.FlagSet) *apiOptions {
	o := &apiOptions{}
	fs.StringVar(&o.endpoint, "endpoint", env("JOBS_ENDPOINT", "http://"+localaddr.API),
		"the API's base URL: jobsd's, or API Gateway's with its stage, https://ID.execute-api.REGION.amazonaws.com/prod (env JOBS_ENDPOINT)")
	fs.StringVar(&o.region, "region", env("JOBS_REGION", env("AWS_REGION", "us-east-1")),
		"the region requests are signed for (env JOBS_REGION, then AWS_REGION)")
	fs.StringVar(&o.credentials, "credentials", "",
		"local: sign with jobsd's dev credentials (JOBS_ACCESS_KEY_ID and JOBS_SECRET_ACCESS_KEY, else the README's); aws: with the AWS credential chain (AWS_ACCESS_KEY_ID..., shared config and profiles); default: local for a loopback --endpoint, else aws")
	fs.StringVar(&o.profile, "profile", "", "the AWS shared config profile to sign with; implies --credentials aws (default: AWS_PROFILE, else default)")
	fs.BoolVar(&o.noSign, "no-sign", false, "send unsigned requests, for jobsd --auth=none")
	fs.StringVar(&o.caFile, "ca-file", env("JOBS_CA_FILE", ""),
		"a CA certificate to trust besides the system's, for every endpoint (env JOBS_CA_FILE); without it, jobsd's local CA in --data-dir is trusted for loopback endpoints only")
	fs.StringVar(&o.dataDir, "data-dir", env("JOBS_DATA_DIR", "./data"),
		"a local jobsd's data directory: its CA (tls/ca.pem) and events API key (events-api-key) are used for loopback endpoints (env JOBS_DATA_DIR)")
	fs.StringVar(&o.output, "output", env("JOBS_OUTPUT", "table"), "table or json: one JSON document a line (env JOBS_OUTPUT)")
	return o
}

// eventsOptions say where the AppSync Events endpoint that pushes job
// changes is.
type eventsOptions struct {
	endpoint  string
	apiKey    string
	namespace string
}

// eventsFlags declares the flags of the commands that follow a job's channel.
func eventsFlags(fs *flag.FlagSet) *eventsOptions {
	o := &eventsOptions{}
	fs.StringVar(&o.endpoint, "events-endpoint", env("JOBS_EVENTS_ENDPOINT", "https://"+localaddr.Events+"/event"), "the AppSync Events HTTP endpoint (env JOBS_EVENTS_ENDPOINT)")
	fs.StringVar(&o.apiKey, "events-api-key", env("JOBS_EVENTS_API_KEY", ""),
		"the events API key (env JOBS_EVENTS_API_KEY); default for a loopback --events-endpoint: the one jobsd wrote to <data-dir>/events-api-key")
	fs.StringVar(&o.namespace, "events-namespace", env("JOBS_EVENTS_NAMESPACE", push.DefaultNamespace), "the channel namespace of job events (env JOBS_EVENTS_NAMESPACE)")
	return o
}

// eventsAPIKeyFile is the file in jobsd's data directory that holds its
// events API key, which jobsd generates on its first start.
const eventsAPIKeyFile = "events-api-key"

// key is the events API key: --events-api-key, else, for an endpoint on
// this machine, the one a local jobsd wrote into dataDir.
func (o *eventsOptions) key(dataDir string) (string, error) {
	const hint = "set --events-api-key (in AWS: aws appsync list-api-keys --api-id <EventsApiId>)"
	if o.apiKey != "" {
		return o.apiKey, nil
	}
	if !isLoopback(o.endpoint) {
		return "", fmt.Errorf("no events API key for %s: %s", o.endpoint, hint)
	}
	file := filepath.Join(dataDir, eventsAPIKeyFile)
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("no events API key: %s, or --data-dir to jobsd's data directory (%w)", hint, err)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("no events API key: %s is empty; %s", file, hint)
	}
	return key, nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func (o *apiOptions) check() error {
	if o.output != "table" && o.output != "json" {
		return fmt.Errorf("--output must be table or json, not %q", o.output)
	}
	switch o.credentials {
	case "", "aws":
	case "local":
		if o.profile != "" {
			return errors.New("--profile needs --credentials aws")
		}
	default:
		return fmt.Errorf("--credentials must be local or aws, not %q", o.credentials)
	}
	u, err := url.Parse(o.endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--endpoint must be an http(s) URL such as http://%s, not %q", localaddr.API, o.endpoint)
	}
	return nil
}

// httpClient is the client for endpoint. It trusts the system's CAs and
// --ca-file; without --ca-file, and only when endpoint is on this machine,
// jobsd's local CA in --data-dir if it exists. A CA that whoever reads a
// data directory may hold is thus never trusted for AWS or any other site.
func (o *apiOptions) httpClient(endpoint string) (*http.Client, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if err := o.addCA(pool, endpoint); err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	// Long polls last up to 25 s (API Gateway cuts requests at 29 s).
	return &http.Client{Transport: transport, Timeout: 35 * time.Second}, nil
}

// addCA adds the CA that endpoint may be served with, if any, to pool.
func (o *apiOptions) addCA(pool *x509.CertPool, endpoint string) error {
	file, explicit := o.caFile, o.caFile != ""
	if !explicit {
		if !isLoopback(endpoint) {
			return nil
		}
		file = filepath.Join(o.dataDir, "tls", "ca.pem")
	}
	pem, err := os.ReadFile(file)
	switch {
	case errors.Is(err, os.ErrNotExist) && !explicit:
		return nil // no local jobsd has run here: the system's CAs only
	case err != nil:
		return fmt.Errorf("read the CA certificate: %w", err)
	case !pool.AppendCertsFromPEM(pem):
		return fmt.Errorf("CA file %s holds no PEM certificate", file)
	}
	return nil
}

// parse reads args, which must leave exactly n positional arguments. Flags
// may come before or after them.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer, n int) ([]string, error) {
	fs.SetOutput(stderr)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	if len(positional) != n {
		fs.Usage()
		return nil, fmt.Errorf("%s: want %d argument(s), got %d", fs.Name(), n, len(positional))
	}
	return positional, nil
}
