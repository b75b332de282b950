package awslocal

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/awsstack"
	"github.com/asyncjobs/asyncjobs/internal/eventskey"
	"github.com/asyncjobs/asyncjobs/push/localevents"
)

// eventsEndpoint is the stack's AppSync Events API on this machine:
// push/localevents with the template's namespaces and auth modes, IAM
// (service appsync) for the functions' role, and an API key.
type eventsEndpoint struct {
	addr, caFile, apiKey string
	apiKeyFile           string // where apiKey was read from or written; empty: configured
	listener             net.Listener
	tls                  *tls.Config // the local CA's renewing certificate
	server               *localevents.Server
	http                 *http.Server
}

// listenEvents makes the CA, reads the API key (the configured one, or the
// one kept in the data directory as jobsd keeps it) and listens: the template's references to the
// events API resolve to this address.
func listenEvents(cfg Config) (*eventsEndpoint, error) {
	tlsConfig, caFile, err := localevents.ServerTLS(filepath.Join(cfg.DataDir, "tls"))
	if err != nil {
		return nil, fmt.Errorf("awslocal: the events endpoint's certificates: %w", err)
	}
	l, err := net.Listen("tcp", cfg.EventsAddr)
	if err != nil {
		return nil, fmt.Errorf("awslocal: listen on %s for events: %w", cfg.EventsAddr, err)
	}
	e := &eventsEndpoint{addr: l.Addr().String(), caFile: caFile, apiKey: cfg.EventsAPIKey, listener: l, tls: tlsConfig}
	if e.apiKey == "" {
		if e.apiKey, e.apiKeyFile, err = eventskey.Load(cfg.DataDir); err != nil {
			l.Close()
			return nil, fmt.Errorf("awslocal: %w", err)
		}
	}
	return e, nil
}

func modes(types []string) []localevents.AuthMode {
	out := make([]localevents.AuthMode, len(types))
	for i, t := range types {
		out[i] = localevents.AuthMode(t)
	}
	return out
}

// serve serves the template's events API. Only the functions' role signs
// with IAM: in AWS only their roles may publish (appsync:EventPublish) or
// subscribe with IAM, and local IAM checks signatures, not policies, so a
// caller's keys accepted here could forge job events.
func (e *eventsEndpoint) serve(cfg Config, api awsstack.EventsAPI, role sigv4.Credential, served chan<- error) error {
	iam, err := sigv4.NewVerifier(sigv4.Config{Region: cfg.Region, Service: "appsync", Credentials: []sigv4.Credential{role}})
	if err != nil {
		return err
	}
	lc := localevents.Config{
		APIKeys: []string{e.apiKey}, IAM: iam, Addr: e.addr, Logger: cfg.Logger,
		ConnectionAuthModes: modes(api.ConnectionAuth), DefaultPublishAuthModes: modes(api.PublishAuth),
		DefaultSubscribeAuthModes: modes(api.SubscribeAuth), NamespaceAuthModes: map[string]localevents.NamespaceAuthModes{},
	}
	for _, ns := range api.Namespaces {
		lc.JobNamespaces = append(lc.JobNamespaces, ns.Name)
		lc.NamespaceAuthModes[ns.Name] = localevents.NamespaceAuthModes{Publish: modes(ns.PublishAuth), Subscribe: modes(ns.SubscribeAuth)}
	}
	e.server = localevents.New(lc)
	e.http = e.server.HTTPServer(e.tls)
	go func() {
		if err := e.http.ServeTLS(e.listener, "", ""); !errors.Is(err, http.ErrServerClosed) {
			served <- fmt.Errorf("events endpoint: %w", err)
		}
	}()
	return nil
}

func (e *eventsEndpoint) close(ctx context.Context) error {
	if e.server == nil {
		return e.listener.Close()
	}
	e.server.Close()
	return e.http.Shutdown(ctx)
}
