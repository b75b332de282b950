package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// events is a minimal client of jobsd's AppSync Events realtime endpoint:
// just the handshake, subscribe and unsubscribe, so that 10,000 of its
// connections cost this process little.
type events struct {
	url    string       // wss://host/event/realtime
	header string       // the header- subprotocol carrying the API key
	client *http.Client // trusts jobsd's local CA
}

func newEvents(wsURL, caFile, apiKey string) (*events, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	auth, err := json.Marshal(map[string]string{"host": u.Host, "x-api-key": apiKey})
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ClientSessionCache: tls.NewLRUClientSessionCache(64)}}
	return &events{url: wsURL, header: "header-" + base64.RawURLEncoding.EncodeToString(auth), client: &http.Client{Transport: tr}}, nil
}

// dial opens a connection and completes connection_init → connection_ack.
func (e *events) dial(ctx context.Context) (*websocket.Conn, error) {
	ws, err := e.upgrade(ctx)
	if err != nil {
		return nil, err
	}
	err = send(ctx, ws, map[string]string{"type": "connection_init"})
	if err == nil {
		err = await(ctx, ws, "connection_ack", "")
	}
	if err != nil {
		ws.CloseNow()
		return nil, err
	}
	return ws, nil
}

// upgrade opens the WebSocket. An upgrade refused with 503 (jobsd's cap on
// connections, reached while those of the memory phase are still closing)
// is tried again for up to 10 s.
func (e *events) upgrade(ctx context.Context) (*websocket.Conn, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ws, resp, err := websocket.Dial(ctx, e.url, &websocket.DialOptions{
			HTTPClient: e.client, Subprotocols: []string{"aws-appsync-event-ws", e.header},
		})
		if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			return ws, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func send(ctx context.Context, ws *websocket.Conn, m map[string]string) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return ws.Write(ctx, websocket.MessageText, data)
}

// await reads until a message of type typ (with id, if given); it skips
// others, such as ka and late data messages.
func await(ctx context.Context, ws *websocket.Conn, typ, id string) error {
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return err
		}
		var m struct{ Type, ID string }
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("a message that is not JSON: %q", data)
		}
		if m.Type == typ && (id == "" || m.ID == id) {
			return nil
		}
		if m.Type == "error" || m.Type == "connection_error" || m.ID == id && m.Type != "data" {
			return fmt.Errorf("waiting for %s, got %s", typ, data)
		}
	}
}

// subscribe subscribes ws to channel with operation id and waits for the success.
func subscribe(ctx context.Context, ws *websocket.Conn, id, channel string) error {
	if err := send(ctx, ws, map[string]string{"type": "subscribe", "id": id, "channel": channel}); err != nil {
		return err
	}
	return await(ctx, ws, "subscribe_success", id)
}

func unsubscribe(ctx context.Context, ws *websocket.Conn, id string) error {
	if err := send(ctx, ws, map[string]string{"type": "unsubscribe", "id": id}); err != nil {
		return err
	}
	return await(ctx, ws, "unsubscribe_success", id)
}

// A data message carries the job's JSON as a JSON string, so the quotes of
// its members are escaped.
var (
	dataPrefix = []byte(`{"type":"data"`)
	statusKey  = []byte(`\"status\":\"`)
	updatedKey = []byte(`\"updatedAt\":\"`)
	quoteEnd   = []byte(`\"`)
)

// eventFields returns the job's status and updatedAt from a data message,
// without decoding the whole message; ok is false for other messages.
func eventFields(msg []byte) (status string, updatedAt time.Time, ok bool) {
	if !bytes.HasPrefix(msg, dataPrefix) {
		return "", time.Time{}, false
	}
	field := func(key []byte) string {
		_, rest, found := bytes.Cut(msg, key)
		value, _, closed := bytes.Cut(rest, quoteEnd)
		if !found || !closed {
			return ""
		}
		return string(value)
	}
	updatedAt, err := time.Parse(time.RFC3339Nano, field(updatedKey))
	status = field(statusKey)
	return status, updatedAt, err == nil && status != ""
}

// dialMany opens n connections, par at a time, and runs then(i, ws) on
// each; it stops at the first error.
func (e *events) dialMany(ctx context.Context, n, par int, then func(i int, ws *websocket.Conn) error) ([]*websocket.Conn, error) {
	conns := make([]*websocket.Conn, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(par, n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				ws, err := e.dial(ctx)
				if err == nil {
					if err = then(i, ws); err != nil {
						ws.CloseNow()
					}
				}
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("subscriber %d of %d: %w", i+1, n, err) })
					return
				}
				conns[i] = ws
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		closeAll(conns)
		return nil, firstErr
	}
	return conns, ctx.Err()
}

func closeAll(conns []*websocket.Conn) {
	for _, ws := range conns {
		if ws != nil {
			ws.CloseNow()
		}
	}
}
