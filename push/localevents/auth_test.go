package localevents

import (
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestRealtimeAuth(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	for _, tc := range []struct {
		name      string
		protocols []string
		header    http.Header
		ok        bool
	}{
		{name: "header- subprotocol", protocols: e.amplifyProtocols(t, testKey), ok: true},
		{name: "padded header- subprotocol", protocols: []string{wsProtocol, headerProtocol(t, map[string]string{"x-api-key": testKey}, true)}, ok: true},
		{name: "x-api-key upgrade header", protocols: []string{wsProtocol}, header: http.Header{"X-Api-Key": {testKey}}, ok: true},
		{name: "wrong key in header- subprotocol", protocols: e.amplifyProtocols(t, "da2-wrong")},
		{name: "header- subprotocol without a key", protocols: []string{wsProtocol, headerProtocol(t, map[string]string{"host": "localhost"}, false)}},
		{name: "garbled header- subprotocol", protocols: []string{wsProtocol, "header-!!!"}},
		{name: "wrong x-api-key upgrade header", protocols: []string{wsProtocol}, header: http.Header{"X-Api-Key": {"da2-wrong"}}},
		{name: "no key", protocols: []string{wsProtocol}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := e.dial(t, &websocket.DialOptions{Subprotocols: tc.protocols, HTTPHeader: tc.header})
			if err != nil {
				t.Fatal(err)
			}
			if c.Subprotocol() != wsProtocol {
				t.Fatalf("selected subprotocol %q", c.Subprotocol())
			}
			send(t, c, map[string]any{"type": "connection_init"})
			m := read(t, c)
			if tc.ok {
				expect(t, m, "connection_ack")
				return
			}
			expectError(t, m, "connection_error", "", errUnauthorized)
			if m.Errors[0].ErrorCode != 401 {
				t.Errorf("errorCode %d, want 401", m.Errors[0].ErrorCode)
			}
			if _, err := tryRead(c); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Errorf("after connection_error: %v, want a close with status 1008", err)
			}
		})
	}
}

func TestUpgradeNeedsSubprotocol(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	for _, protocols := range [][]string{nil, {headerProtocol(t, map[string]string{"x-api-key": testKey}, false)}} {
		_, resp, err := e.dial(t, &websocket.DialOptions{Subprotocols: protocols})
		if err == nil {
			t.Fatalf("upgrade offering %q accepted", protocols)
		}
		if resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("upgrade offering %q: %v, want status 400", protocols, err)
		}
	}
}

// TestCloseEndsEverything is not parallel: it counts goroutines.
func TestCloseEndsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	e := setup(t, nil, nil)
	conns := []*websocket.Conn{e.connect(t), e.connect(t), e.connect(t)}
	for i, c := range conns {
		subscribe(t, c, "s", "/open/*")
		subscribe(t, c, "t", "/other/x")
		if i == 0 {
			subscribe(t, c, "u", "/jobs/a")
		}
	}
	// An unauthorised connection waiting for its first message.
	pending, _, err := e.dial(t, &websocket.DialOptions{Subprotocols: e.amplifyProtocols(t, "da2-wrong")})
	if err != nil {
		t.Fatal(err)
	}
	if conns, subs := e.srv.holds(); conns != 3 || subs != 7 {
		t.Fatalf("the server holds %d connections and %d subscriptions, want 3 and 7", conns, subs)
	}

	closed := make(chan struct{})
	go func() {
		e.srv.Close()
		close(closed)
	}()
	for _, c := range conns {
		var err error
		for err == nil {
			_, err = tryRead(c) // reading lets the client answer the close handshake
		}
		if websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Errorf("connection ended with %v, want status 1001", err)
		}
	}
	if m, err := tryRead(pending); err != nil || m.Type != "connection_error" {
		t.Errorf("unauthorised connection got %v %s, want connection_error", err, m.raw)
	}
	for err == nil {
		_, err = tryRead(pending)
	}
	<-closed
	if conns, subs := e.srv.holds(); conns != 0 || subs != 0 {
		t.Errorf("after Close, the server holds %d connections and %d subscriptions", conns, subs)
	}
	if _, resp, err := e.dial(t, &websocket.DialOptions{Subprotocols: e.amplifyProtocols(t, testKey)}); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial after Close: %v, want status 503", err)
	}

	for _, c := range append(conns, pending) {
		_ = c.CloseNow()
	}
	e.ts.Close()
	e.client.CloseIdleConnections()
	deadline := time.Now().Add(guard)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
