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

	"github.com/coder/websocket"

	"github.com/asyncjobs/asyncjobs/local"
)

// eventsConn is a client of the events endpoint that follows the protocol by
// hand, so that tests see every message, errors included.
type eventsConn struct {
	t   *testing.T
	ctx context.Context
	ws  *websocket.Conn
}

// eventsMessage is a server message as a client decodes it.
type eventsMessage struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Event  string `json:"event"` // a data message's event: the job's JSON as a string
	Errors []struct {
		ErrorType string `json:"errorType"`
		Message   string `json:"message"`
	} `json:"errors"`
	raw string
}

// dialEvents connects to the events endpoint with an API key as Amplify
// does, and reads the connection_ack.
func dialEvents(ctx context.Context, t *testing.T, sys *local.System, key string) *eventsConn {
	t.Helper()
	auth, _ := json.Marshal(map[string]string{"host": sys.EventsAddr(), "x-api-key": key})
	ws, _, err := websocket.Dial(ctx, "wss://"+sys.EventsAddr()+"/event/realtime", &websocket.DialOptions{
		HTTPClient:   trustingClient(t, sys.CAFile()),
		Subprotocols: []string{"aws-appsync-event-ws", "header-" + base64.RawURLEncoding.EncodeToString(auth)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	c := &eventsConn{t: t, ctx: ctx, ws: ws}
	c.send(map[string]any{"type": "connection_init"})
	if m := c.next(); m.Type != "connection_ack" {
		t.Fatalf("connection_init answered with %s", m.raw)
	}
	return c
}

func (c *eventsConn) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if err := c.ws.Write(c.ctx, websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

// next reads the next message that is not a keep-alive.
func (c *eventsConn) next() eventsMessage {
	c.t.Helper()
	for {
		_, b, err := c.ws.Read(c.ctx)
		if err != nil {
			c.t.Fatal(err)
		}
		m := eventsMessage{raw: string(b)}
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatalf("a message that is not JSON: %s", b)
		}
		if m.Type != "ka" {
			return m
		}
	}
}

// subscribe sends a subscribe and returns the reply, skipping data
// messages of other subscriptions.
func (c *eventsConn) subscribe(id, channel string) eventsMessage {
	c.t.Helper()
	c.send(map[string]any{"type": "subscribe", "id": id, "channel": channel})
	for {
		if m := c.next(); m.ID == id {
			return m
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
