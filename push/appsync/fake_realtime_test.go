package appsync

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// fakeRealtime is AppSync Events' realtime endpoint as the reference
// describes it, for one API key or one set of IAM credentials.
type fakeRealtime struct {
	t   *testing.T
	srv *httptest.Server
	// authorize checks an auth object for the request body it authorises.
	authorize func(host string, auth map[string]string, body []byte) error
	// timeoutMs is the ack's connectionTimeoutMs; noKA: never send ka.
	timeoutMs int64
	noKA      bool

	mu           sync.Mutex
	conns        []*websocket.Conn
	subs         map[*websocket.Conn]map[string]string // id → channel, per connection
	unsubscribed chan string                           // channel of each unsubscribe
}

var idPattern = regexp.MustCompile(`^[a-zA-Z0-9-_+]{1,128}$`)

func newFakeRealtime(t *testing.T, authorize func(host string, auth map[string]string, body []byte) error) *fakeRealtime {
	f := &fakeRealtime{t: t, authorize: authorize, timeoutMs: 300000, subs: map[*websocket.Conn]map[string]string{},
		unsubscribed: make(chan string, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /event/realtime", f.serve)
	f.srv = httptest.NewTLSServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// apiKeyAuth accepts auth objects with key and the host of the request.
func apiKeyAuth(key string) func(string, map[string]string, []byte) error {
	return func(host string, auth map[string]string, _ []byte) error {
		if auth["host"] != host || auth["x-api-key"] != key {
			return fmt.Errorf("auth %v: want host %s and the API key", auth, host)
		}
		return nil
	}
}

// iamAuth accepts auth objects signed with sessionCreds for POST /event in
// AppSync's documented realtime form.
func iamAuth(host string, auth map[string]string, body []byte) error {
	signed, err := verifySigV4(http.MethodPost, "https://"+host+"/event", host, auth, body, sessionCreds)
	if err == nil && signed != "accept;content-encoding;content-type;host;x-amz-date;x-amz-security-token" {
		err = fmt.Errorf("signed headers %q", signed)
	}
	for name, want := range realtimeSigned {
		if err == nil && auth[name] != want {
			err = fmt.Errorf("%s %q, want %q", name, auth[name], want)
		}
	}
	return err
}

func (f *fakeRealtime) serve(w http.ResponseWriter, r *http.Request) {
	var offered []string
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			offered = append(offered, strings.TrimSpace(p))
		}
	}
	var handshakeAuth map[string]string
	for _, p := range offered {
		if enc, ok := strings.CutPrefix(p, "header-"); ok {
			raw, err := base64.RawURLEncoding.DecodeString(enc)
			if err != nil || json.Unmarshal(raw, &handshakeAuth) != nil {
				f.t.Errorf("header- subprotocol %q is not base64url (no padding) of a JSON object", p)
			}
		}
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{subprotocol}})
	if err != nil {
		f.t.Errorf("accept: %v", err)
		return
	}
	if ws.Subprotocol() != subprotocol {
		f.t.Errorf("client offered %v, not %s", offered, subprotocol)
	}
	ws.SetReadLimit(readLimit)
	f.mu.Lock()
	f.conns = append(f.conns, ws)
	f.subs[ws] = map[string]string{}
	f.mu.Unlock()
	authErr := f.authorize(r.Host, handshakeAuth, []byte("{}"))
	for {
		var m message
		_, data, err := ws.Read(context.Background())
		if err != nil {
			return
		}
		if err := json.Unmarshal(data, &m); err != nil {
			f.t.Errorf("client sent %s: %v", data, err)
			return
		}
		if m.Type != "connection_init" && !idPattern.MatchString(m.ID) {
			f.t.Errorf("%s with id %q", m.Type, m.ID)
		}
		switch m.Type {
		case "connection_init":
			if authErr != nil {
				f.write(ws, map[string]any{"type": "connection_error", "errors": []map[string]any{
					{"errorType": "UnauthorizedException", "errorCode": 401, "message": authErr.Error()}}})
				ws.Close(websocket.StatusPolicyViolation, "unauthorized")
				return
			}
			f.write(ws, map[string]any{"type": "connection_ack", "connectionTimeoutMs": f.timeoutMs,
				"payload": map[string]any{"connectionTimeoutMs": f.timeoutMs}})
			if !f.noKA {
				f.write(ws, map[string]any{"type": "ka"})
			}
		case "subscribe":
			f.subscribe(ws, r.Host, m)
		case "unsubscribe":
			f.mu.Lock()
			ch, ok := f.subs[ws][m.ID]
			delete(f.subs[ws], m.ID)
			f.mu.Unlock()
			if !ok {
				f.write(ws, map[string]any{"type": "unsubscribe_error", "id": m.ID, "errors": []map[string]any{
					{"errorType": "UnknownOperationError", "message": "Unknown subscription id"}}})
				continue
			}
			f.write(ws, map[string]any{"type": "unsubscribe_success", "id": m.ID})
			f.unsubscribed <- ch
		default:
			f.t.Errorf("unexpected message %s", data)
		}
	}
}

func (f *fakeRealtime) subscribe(ws *websocket.Conn, host string, m message) {
	body := stringify(map[string]string{"channel": m.Channel})
	switch {
	case f.authorize(host, m.Authorization, body) != nil || strings.HasPrefix(m.Channel, "/private/"):
		f.write(ws, map[string]any{"type": "subscribe_error", "id": m.ID, "errors": []map[string]any{
			{"errorType": "UnauthorizedException", "message": "Not authorized to subscribe to " + m.Channel}}})
		return
	}
	f.mu.Lock()
	_, dup := f.subs[ws][m.ID]
	if !dup {
		f.subs[ws][m.ID] = m.Channel
	}
	f.mu.Unlock()
	if dup {
		f.write(ws, map[string]any{"type": "subscribe_error", "id": m.ID, "errors": []map[string]any{
			{"errorType": "DuplicatedOperationError", "message": "Duplicate subscription id"}}})
		return
	}
	f.write(ws, map[string]any{"type": "subscribe_success", "id": m.ID})
}

// channels lists the channels subscribed to, sorted.
func (f *fakeRealtime) channels() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var chs []string
	for _, subs := range f.subs {
		for _, ch := range subs {
			chs = append(chs, ch)
		}
	}
	slices.Sort(chs)
	return chs
}

// deliver sends the events, one data message each, to every subscription
// that matches channel, as AppSync does with what a publisher sent.
func (f *fakeRealtime) deliver(channel string, events ...json.RawMessage) {
	type target struct {
		ws *websocket.Conn
		id string
	}
	var targets []target
	f.mu.Lock()
	for c, subs := range f.subs {
		for id, ch := range subs {
			if ch == channel || (strings.HasSuffix(ch, "/*") && strings.HasPrefix(channel, strings.TrimSuffix(ch, "*"))) {
				targets = append(targets, target{c, id})
			}
		}
	}
	f.mu.Unlock()
	for _, tg := range targets {
		for _, e := range events {
			f.write(tg.ws, map[string]any{"type": "data", "id": tg.id, "event": string(e)})
		}
	}
}

// stringify is JavaScript's JSON.stringify, which Amplify signs realtime
// payloads with: no spaces, no HTML escaping (keys are sorted here).
func stringify(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func (f *fakeRealtime) write(ws *websocket.Conn, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		f.t.Errorf("marshal %v: %v", v, err)
		return
	}
	if err := ws.Write(context.Background(), websocket.MessageText, data); err != nil && !errors.Is(err, context.Canceled) {
		f.t.Logf("write %s: %v", data, err)
	}
}

// broadcast sends v to every connection.
func (f *fakeRealtime) broadcast(v any) {
	f.mu.Lock()
	conns := append([]*websocket.Conn(nil), f.conns...)
	f.mu.Unlock()
	for _, ws := range conns {
		f.write(ws, v)
	}
}

// dropAll closes every connection without a close handshake.
func (f *fakeRealtime) dropAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ws := range f.conns {
		ws.CloseNow()
	}
}

// dial connects to f with auth; the ctx given to Dial is cancelled as soon
// as Dial returns, which must not matter to the connection.
func (f *fakeRealtime) dial(t *testing.T, auth Auth, cfg ClientConfig) (*Conn, error) {
	t.Helper()
	cfg.Endpoint, cfg.Auth, cfg.HTTPClient = f.srv.URL+"/event", auth, f.srv.Client()
	ctx, cancel := context.WithCancel(t.Context())
	c, err := Dial(ctx, cfg)
	cancel()
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}
