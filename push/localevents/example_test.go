package localevents_test

import (
	"context"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/asyncjobs/asyncjobs/push/localevents"
)

// Serving the endpoint on https://localhost:8443/event and
// wss://localhost:8443/event/realtime.
func Example() {
	certFile, keyFile, caFile, err := localevents.EnsureTLS("/var/lib/jobsd/tls")
	if err != nil {
		log.Print(err)
		return
	}
	log.Printf("clients must trust %s (Node: NODE_EXTRA_CA_CERTS)", caFile)
	events := localevents.New(localevents.Config{APIKeys: []string{"da2-local"}, Addr: "localhost:8443"})
	srv := events.HTTPServer(nil) // with the read and idle timeouts
	srv.Addr = "localhost:8443"
	go func() {
		if err := srv.ListenAndServeTLS(certFile, keyFile); !errors.Is(err, http.ErrServerClosed) {
			log.Print(err)
		}
	}()

	// ... jobsd publishes with events.Publish(ctx, "/jobs/<id>", ...) ...

	// Shutdown does not track WebSocket connections: close them first.
	events.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}
