package local_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/asyncjobs/asyncjobs/push/appsync"
)

// TestSubscriberThatStopsReadingDoesNotHoldUpJobs subscribes one client that
// never reads after subscribing and one that does, runs many jobs, and checks
// that every job finished and the reading subscriber heard of every end.
func TestSubscriberThatStopsReadingDoesNotHoldUpJobs(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.Workers, cfg.QueueSize = 8, 1000
	sys, base := start(t, cfg)
	client := trustingClient(t, sys.CAFile())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	stalled := rawSubscriber(ctx, t, client, sys.EventsAddr(), cfg.EventsAPIKey, "/jobs/*")
	defer stalled.CloseNow()

	conn, err := appsync.Dial(ctx, appsync.ClientConfig{
		Endpoint: "https://" + sys.EventsAddr() + "/event", Auth: appsync.APIKey(cfg.EventsAPIKey), HTTPClient: client, EventBuffer: 4096,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	reading, err := conn.Subscribe(ctx, "/jobs/*")
	if err != nil {
		t.Fatal(err)
	}

	const n = 300
	var ids []string
	for range n {
		ids = append(ids, submit(t, base, `{"type":"noop"}`).ID)
	}

	finished := map[string]bool{}
	for len(finished) < n {
		select {
		case raw, ok := <-reading.Events():
			if !ok {
				t.Fatalf("the reading subscription ended: %v", reading.Err())
			}
			var e struct{ ID, Status string }
			json.Unmarshal(raw, &e)
			if e.Status == "Success" {
				finished[e.ID] = true
			}
		case <-ctx.Done():
			t.Fatalf("only %d of %d jobs were heard to finish", len(finished), n)
		}
	}
	for _, id := range ids {
		if !finished[id] {
			t.Fatalf("job %s finished unheard", id)
		}
	}
}

func trustingClient(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// rawSubscriber follows the protocol by hand up to subscribe_success, then
// reads no more.
func rawSubscriber(ctx context.Context, t *testing.T, client *http.Client, addr, key, channel string) *websocket.Conn {
	t.Helper()
	auth, _ := json.Marshal(map[string]string{"host": addr, "x-api-key": key})
	c, _, err := websocket.Dial(ctx, "wss://"+addr+"/event/realtime", &websocket.DialOptions{
		HTTPClient:   client,
		Subprotocols: []string{"aws-appsync-event-ws", "header-" + base64.RawURLEncoding.EncodeToString(auth)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{`{"type":"connection_init"}`, `{"type":"subscribe","id":"stalled","channel":"` + channel + `"}`} {
		if err := c.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	for {
		_, msg, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var m struct{ Type string }
		json.Unmarshal(msg, &m)
		if m.Type == "subscribe_success" {
			return c
		}
		if m.Type != "connection_ack" && m.Type != "ka" {
			t.Fatalf("while subscribing: %s", msg)
		}
	}
}
