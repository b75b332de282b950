package local

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/asyncjobs/asyncjobs/console"
	"github.com/asyncjobs/asyncjobs/internal/apisign"
	"github.com/asyncjobs/asyncjobs/push/appsync"
)

// withConsole serves the console at /console/ beside api, and redirects /
// to it. The console acts as the first configured principal (the dev
// principal, or the first of a credentials file): it calls the API on this
// same address, signed with that principal's credential, and follows jobs
// on the events endpoint with its API key.
func (s *System) withConsole(api http.Handler) (http.Handler, error) {
	cfg := s.cfg
	events, err := s.eventsClient()
	if err != nil {
		return nil, err
	}
	var signer *apisign.Signer
	if cfg.Auth && len(cfg.Credentials) > 0 {
		first := cfg.Credentials[0]
		signer = apisign.New(apisign.Static(first.AccessKeyID, first.SecretAccessKey, "jobsd console"), cfg.Region)
	}
	eventsEndpoint := "https://" + s.EventsAddr() + "/event"
	c, err := console.New(console.Config{
		Endpoint:   "http://" + s.Addr(),
		HTTPClient: &http.Client{Timeout: 35 * time.Second},
		Signer:     signer,
		Namespace:  cfg.EventsNamespace,
		ListenAddr: cfg.Addr,
		Events: func(ctx context.Context) (*appsync.Conn, error) {
			return appsync.Dial(ctx, appsync.ClientConfig{Endpoint: eventsEndpoint, Auth: appsync.APIKey(cfg.EventsAPIKey), HTTPClient: events})
		},
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(console.Path, s.metrics.route(console.Path, loggedAccess(cfg.Logger, console.Path, c)))
	mux.Handle("GET /{$}", s.metrics.route(routeRedirect, loggedAccess(cfg.Logger, "/", http.RedirectHandler(console.Path, http.StatusFound))))
	mux.Handle("/", api)
	return mux, nil
}

// eventsClient is an HTTP client that trusts the local CA, which signs the
// events endpoint's certificate.
func (s *System) eventsClient() (*http.Client, error) {
	pem, err := os.ReadFile(s.events.caFile)
	if err != nil {
		return nil, fmt.Errorf("console: read the local CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("console: %s holds no PEM certificate", s.events.caFile)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: transport}, nil
}
