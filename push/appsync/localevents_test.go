package appsync_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/push/appsync"
	"github.com/asyncjobs/asyncjobs/push/localevents"
)

// localEndpoint serves jobsd's AppSync-compatible endpoint for cfg over TLS
// with its own local CA and returns its /event URL and a client that trusts
// it.
func localEndpoint(t *testing.T, cfg localevents.Config) (string, *http.Client) {
	t.Helper()
	certFile, keyFile, caFile, err := localevents.EnsureTLS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	events := localevents.New(cfg)
	srv := httptest.NewUnstartedServer(events.Handler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(func() { events.Close(); srv.Close() })
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return srv.URL + "/event", &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func TestAgainstTheLocalEndpoint(t *testing.T) {
	t.Parallel()
	// "jobs" is a job namespace, as in jobsd; "open" has AppSync's own rules.
	endpoint, client := localEndpoint(t, localevents.Config{APIKeys: []string{"da2-good"}, OpenNamespaces: []string{"open"}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	conn, err := appsync.Dial(ctx, appsync.ClientConfig{Endpoint: endpoint, Auth: appsync.APIKey("da2-good"), HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sub, err := conn.Subscribe(ctx, "/open/*")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := appsync.NewPublisher(appsync.PublisherConfig{Endpoint: endpoint, Auth: appsync.APIKey("da2-good"), HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	// 7 events over HTTP: two requests, of 5 and 2.
	var events []json.RawMessage
	for i := range 7 {
		events = append(events, json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)))
	}
	if err := pub.Publish(ctx, "/open/a", events); err != nil {
		t.Fatalf("HTTP publish: %v", err)
	}
	for want := range 7 {
		select {
		case raw := <-sub.Events():
			var got struct{ N int }
			if err := json.Unmarshal(raw, &got); err != nil || got.N != want {
				t.Fatalf("event %d: %s", want, raw)
			}
		case <-ctx.Done():
			t.Fatalf("event %d never arrived", want)
		}
	}

	// In the job namespace: no wildcard subscription, no client publish.
	if _, err := conn.Subscribe(ctx, "/jobs/*"); !errors.Is(err, appsync.ErrUnauthorized) {
		t.Fatalf("subscribe to /jobs/*: %v, want ErrUnauthorized", err)
	}
	if err := pub.Publish(ctx, "/jobs/a", events[:1]); !errors.Is(err, appsync.ErrUnauthorized) {
		t.Fatalf("HTTP publish to /jobs/a: %v, want ErrUnauthorized", err)
	}
	if _, err := conn.Subscribe(ctx, "/jobs/a"); err != nil {
		t.Fatalf("subscribe to one job's channel: %v", err)
	}

	bad := appsync.APIKey("da2-bad")
	if _, err := appsync.Dial(ctx, appsync.ClientConfig{Endpoint: endpoint, Auth: bad, HTTPClient: client}); !errors.Is(err, appsync.ErrUnauthorized) {
		t.Fatalf("dial with a wrong key: %v, want ErrUnauthorized", err)
	}
	badPub, _ := appsync.NewPublisher(appsync.PublisherConfig{Endpoint: endpoint, Auth: bad, HTTPClient: client})
	if err := badPub.Publish(ctx, "/open/a", events[:1]); !errors.Is(err, appsync.ErrUnauthorized) {
		t.Fatalf("publish with a wrong key: %v, want ErrUnauthorized", err)
	}
}
