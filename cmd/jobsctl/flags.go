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
	"time"

	"github.com/asyncjobs/asyncjobs/local"
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
	caFile      string
	output      string
}

// apiFlags declares the flags of every command that calls the API; their
// defaults come from the environment, then from jobsd's local defaults.
func apiFlags(fs *flag.FlagSet) *apiOptions {
	o := &apiOptions{}
	fs.StringVar(&o.endpoint, "endpoint", env("JOBS_ENDPOINT", "http://"+local.DefaultAddr),
		"the API's base URL: jobsd's, or API Gateway's with its stage, https://ID.execute-api.REGION.amazonaws.com/prod (env JOBS_ENDPOINT)")
	fs.StringVar(&o.region, "region", env("JOBS_REGION", env("AWS_REGION", "us-east-1")),
		"the region requests are signed for (env JOBS_REGION, then AWS_REGION)")
	fs.StringVar(&o.credentials, "credentials", "",
		"local: sign with jobsd's dev credentials (JOBS_ACCESS_KEY_ID and JOBS_SECRET_ACCESS_KEY, else the README's); aws: with the AWS credential chain (AWS_ACCESS_KEY_ID..., shared config and profiles); default: local for a loopback --endpoint, else aws")
	fs.StringVar(&o.profile, "profile", "", "the AWS shared config profile to sign with; implies --credentials aws (default: AWS_PROFILE, else default)")
	fs.BoolVar(&o.noSign, "no-sign", false, "send unsigned requests, for jobsd --auth=none")
	fs.StringVar(&o.caFile, "ca-file", env("JOBS_CA_FILE", "./data/tls/ca.pem"),
		"a CA certificate to trust besides the system's, e.g. jobsd's local CA; ignored when the file does not exist (env JOBS_CA_FILE)")
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
	fs.StringVar(&o.endpoint, "events-endpoint", env("JOBS_EVENTS_ENDPOINT", "https://"+local.DefaultEventsAddr+"/event"), "the AppSync Events HTTP endpoint (env JOBS_EVENTS_ENDPOINT)")
	fs.StringVar(&o.apiKey, "events-api-key", env("JOBS_EVENTS_API_KEY", ""), "the events API key (env JOBS_EVENTS_API_KEY)")
	fs.StringVar(&o.namespace, "events-namespace", env("JOBS_EVENTS_NAMESPACE", push.DefaultNamespace), "the channel namespace of job events (env JOBS_EVENTS_NAMESPACE)")
	return o
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
		return fmt.Errorf("--endpoint must be an http(s) URL such as http://%s, not %q", local.DefaultAddr, o.endpoint)
	}
	return nil
}

// httpClient trusts the system's CAs and, if the file exists, caFile.
func (o *apiOptions) httpClient() (*http.Client, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	pem, err := os.ReadFile(o.caFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read --ca-file: %w", err)
	case !pool.AppendCertsFromPEM(pem):
		return nil, fmt.Errorf("--ca-file %s holds no PEM certificate", o.caFile)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	// Long polls last up to 25 s (API Gateway cuts requests at 29 s).
	return &http.Client{Transport: transport, Timeout: 35 * time.Second}, nil
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
