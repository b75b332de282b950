package local

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"

	"github.com/asyncjobs/asyncjobs/push/localevents"
)

// eventsEndpoint is the AppSync-Events-compatible endpoint: HTTPS publish and
// WSS realtime on one port, with a certificate from the local CA. Its
// namespace is a job namespace: clients subscribe to one job's channel and
// only jobsd publishes.
type eventsEndpoint struct {
	server   *localevents.Server
	http     *http.Server
	listener net.Listener
	caFile   string
}

// startEvents creates the local CA and certificate on first run and serves
// the endpoint, renewing the certificate while it runs; a serving failure
// is sent to served.
func startEvents(cfg Config, served chan<- error) (*eventsEndpoint, error) {
	tlsConfig, caFile, err := localevents.ServerTLS(filepath.Join(cfg.DataDir, "tls"))
	if err != nil {
		return nil, fmt.Errorf("prepare the events endpoint's certificates: %w", err)
	}
	listener, err := net.Listen("tcp", cfg.EventsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s for events: %w", cfg.EventsAddr, err)
	}
	server := localevents.New(localevents.Config{
		APIKeys:        []string{cfg.EventsAPIKey},
		JobNamespaces:  []string{cfg.EventsNamespace},
		Addr:           cfg.EventsAddr,
		MaxConnections: cfg.EventsMaxConnections,
		Logger:         cfg.Logger,
	})
	e := &eventsEndpoint{
		server:   server,
		listener: listener,
		caFile:   caFile,
		http:     server.HTTPServer(tlsConfig),
	}
	go func() {
		if err := e.http.ServeTLS(listener, "", ""); !errors.Is(err, http.ErrServerClosed) {
			served <- fmt.Errorf("events endpoint: %w", err)
		}
	}()
	return e, nil
}

// close ends every WebSocket connection and stops serving.
func (e *eventsEndpoint) close(ctx context.Context) error {
	e.server.Close()
	if err := e.http.Shutdown(ctx); err != nil {
		return fmt.Errorf("stop the events endpoint: %w", err)
	}
	return nil
}
