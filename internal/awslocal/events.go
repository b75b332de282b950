package awslocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/asyncjobs/asyncjobs/push/localevents"
)

// eventsUnavailable is the events endpoint's answer until push/localevents
// accepts IAM: in AWS only IAM (the functions' roles) may publish to the
// jobs namespace, and jobsd's endpoint takes API keys only.
const eventsUnavailable = `{"errors":[{"errorType":"NotImplemented","message":"the local AWS stack does not serve AppSync Events yet: push/localevents does not accept IAM (SigV4, service appsync), which the template requires for publishing; poll GET /jobs/{id} instead"}]}`

// eventsEndpoint holds the events address, with TLS from the local CA so
// the functions' HTTPS calls reach it, and answers every request with
// eventsUnavailable.
type eventsEndpoint struct {
	addr   string
	caFile string
	server *http.Server
}

func startEvents(cfg Config, served chan<- error) (*eventsEndpoint, error) {
	tlsConfig, caFile, err := localevents.ServerTLS(filepath.Join(cfg.DataDir, "tls"))
	if err != nil {
		return nil, fmt.Errorf("awslocal: the events endpoint's certificates: %w", err)
	}
	l, err := net.Listen("tcp", cfg.EventsAddr)
	if err != nil {
		return nil, fmt.Errorf("awslocal: listen on %s for events: %w", cfg.EventsAddr, err)
	}
	srv := &http.Server{
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotImplemented)
			w.Write([]byte(eventsUnavailable))
		}),
	}
	go func() {
		if err := srv.ServeTLS(l, "", ""); !errors.Is(err, http.ErrServerClosed) {
			served <- fmt.Errorf("events endpoint: %w", err)
		}
	}()
	return &eventsEndpoint{addr: l.Addr().String(), caFile: caFile, server: srv}, nil
}

func (e *eventsEndpoint) close(ctx context.Context) error { return e.server.Shutdown(ctx) }
