package localevents

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const testKey = "da2-localtestkey"

// guard bounds every wait on the network so that a broken server fails a
// test instead of hanging it; no test asserts on elapsed time.
const guard = 20 * time.Second

type env struct {
	srv    *Server
	ts     *httptest.Server
	roots  *x509.CertPool // trusts the generated CA only
	caFile string         // the generated CA, as PEM
	client *http.Client
}

// setup starts a Server behind an httptest TLS server on 127.0.0.1 that
// uses the certificates of ServerTLS; clients trust only the generated CA.
// "jobs" is a job namespace; "open" and "other" are open namespaces. edit
// adjusts the Config; wrap, if not nil, wraps the listener.
func setup(t testing.TB, edit func(*Config), wrap func(net.Listener) net.Listener) *env {
	t.Helper()
	cfg := Config{
		APIKeys:        []string{"da2-otherkey", testKey},
		JobNamespaces:  []string{"jobs"},
		OpenNamespaces: []string{"open", "other"},
		KeepAlive:      time.Hour,
		Logger:         slog.New(slog.DiscardHandler),
	}
	if edit != nil {
		edit(&cfg)
	}
	srv := New(cfg)
	serverTLS, roots, caFile := testTLS(t)
	ts := httptest.NewUnstartedServer(srv.Handler())
	if wrap != nil {
		ts.Listener = wrap(ts.Listener)
	}
	// Serve TLS through ServerTLS's GetCertificate (StartTLS would add
	// httptest's own certificate, served to clients that send no SNI).
	ts.Listener = tls.NewListener(ts.Listener, serverTLS)
	ts.Start()
	ts.URL = "https://" + ts.Listener.Addr().String()
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	t.Cleanup(client.CloseIdleConnections)
	return &env{srv: srv, ts: ts, roots: roots, caFile: caFile, client: client}
}

// testTLS creates a CA and a certificate for localhost with ServerTLS and
// returns the server's TLS configuration, a pool that trusts only that CA
// and the CA's file.
func testTLS(t testing.TB) (*tls.Config, *x509.CertPool, string) {
	t.Helper()
	serverTLS, caFile, err := ServerTLS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem holds no certificate")
	}
	return serverTLS, roots, caFile
}

func (e *env) wsURL() string {
	return "wss" + strings.TrimPrefix(e.ts.URL, "https") + "/event/realtime"
}

// headerProtocol is Amplify's auth subprotocol: header-<base64url(JSON)>.
func headerProtocol(t testing.TB, auth map[string]string, padded bool) string {
	t.Helper()
	raw, err := json.Marshal(auth)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	if padded {
		enc = base64.URLEncoding
	}
	return "header-" + enc.EncodeToString(raw)
}

// amplifyProtocols are the subprotocols Amplify offers for an API key.
func (e *env) amplifyProtocols(t testing.TB, key string) []string {
	host := strings.TrimPrefix(e.ts.URL, "https://")
	return []string{wsProtocol, headerProtocol(t, map[string]string{"host": host, "x-api-key": key, "x-amz-date": "20260101T000000Z"}, false)}
}

func (e *env) dial(t testing.TB, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	opts.HTTPClient = e.client
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, e.wsURL(), opts)
	if err == nil {
		c.SetReadLimit(-1)
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, resp, err
}

// connect dials as Amplify does, sends connection_init and reads the ack and the first ka.
func (e *env) connect(t testing.TB) *websocket.Conn {
	t.Helper()
	c, _, err := e.dial(t, &websocket.DialOptions{Subprotocols: e.amplifyProtocols(t, testKey)})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Subprotocol(); got != wsProtocol {
		t.Fatalf("selected subprotocol %q, want %q", got, wsProtocol)
	}
	send(t, c, map[string]any{"type": "connection_init"})
	expect(t, read(t, c), "connection_ack")
	expect(t, read(t, c), "ka")
	return c
}

// wire is any server message, decoded as a client would.
type wire struct {
	Type                string          `json:"type"`
	ID                  string          `json:"id"`
	Event               json.RawMessage `json:"event"`
	ConnectionTimeoutMs int64           `json:"connectionTimeoutMs"`
	Payload             struct {
		ConnectionTimeoutMs int64 `json:"connectionTimeoutMs"`
	} `json:"payload"`
	Errors []struct {
		ErrorType string `json:"errorType"`
		ErrorCode int    `json:"errorCode"`
		Message   string `json:"message"`
	} `json:"errors"`
	Successful []struct {
		Identifier string `json:"identifier"`
		Index      int    `json:"index"`
	} `json:"successful"`
	Failed []struct {
		Code       string `json:"code"`
		Identifier string `json:"identifier"`
		Index      int    `json:"index"`
		Message    string `json:"message"`
	} `json:"failed"`
	raw string
}

func send(t testing.TB, c *websocket.Conn, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

func read(t testing.TB, c *websocket.Conn) wire {
	t.Helper()
	m, err := tryRead(c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func tryRead(c *websocket.Conn) (wire, error) {
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		return wire{}, err
	}
	m := wire{raw: string(b)}
	return m, json.Unmarshal(b, &m)
}

// next reads the next message that is not a ka.
func next(t testing.TB, c *websocket.Conn) wire {
	t.Helper()
	for {
		if m := read(t, c); m.Type != "ka" {
			return m
		}
	}
}

func expect(t testing.TB, m wire, typ string) wire {
	t.Helper()
	if m.Type != typ {
		t.Fatalf("got %s, want type %q", m.raw, typ)
	}
	return m
}

// expectError checks an error message: its type, id and errorType.
func expectError(t testing.TB, m wire, typ, id, errorType string) {
	t.Helper()
	expect(t, m, typ)
	if m.ID != id || len(m.Errors) != 1 || m.Errors[0].ErrorType != errorType || m.Errors[0].Message == "" {
		t.Fatalf("got %s, want %s for id %q with errorType %s", m.raw, typ, id, errorType)
	}
}

// event checks that m is a data message for subscription id and returns
// its event, which must be a JSON string holding JSON.
func event(t testing.TB, m wire, id string) string {
	t.Helper()
	expect(t, m, "data")
	if m.ID != id {
		t.Fatalf("data for %q, want %q: %s", m.ID, id, m.raw)
	}
	var ev string
	if err := json.Unmarshal(m.Event, &ev); err != nil {
		t.Fatalf("event is not a JSON string: %s", m.raw)
	}
	if !json.Valid([]byte(ev)) {
		t.Fatalf("event string does not hold JSON: %s", m.raw)
	}
	return ev
}

func subscribe(t testing.TB, c *websocket.Conn, id, channel string) {
	t.Helper()
	send(t, c, map[string]any{"type": "subscribe", "id": id, "channel": channel})
	if m := expect(t, next(t, c), "subscribe_success"); m.ID != id {
		t.Fatalf("subscribe_success for %q, want %q", m.ID, id)
	}
}

func publish(t testing.TB, srv *Server, channel string, events ...string) {
	t.Helper()
	raw := make([]json.RawMessage, len(events))
	for i, ev := range events {
		raw[i] = json.RawMessage(ev)
	}
	if err := srv.Publish(context.Background(), channel, raw); err != nil {
		t.Fatal(err)
	}
}

// holds is what s holds now: its open, authorised WebSocket connections
// and their subscriptions.
func (s *Server) holds() (conns, subs int) {
	s.mu.Lock()
	conns = len(s.conns)
	s.mu.Unlock()
	s.broker.mu.Lock()
	defer s.broker.mu.Unlock()
	for _, index := range []map[string]subscriptionSet{s.broker.exact, s.broker.wildcard} {
		for _, set := range index {
			subs += len(set)
		}
	}
	return conns, subs
}
