package localevents

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestUpgradeFromForeignOriginRefused checks that a web page from another
// site cannot open a WebSocket to the endpoint: the upgrade is refused with
// 403 before it happens. Programs, which send no Origin, and pages served
// from this machine may connect.
func TestUpgradeFromForeignOriginRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	for _, origin := range []string{"https://evil.example", "null", "http://localhost.evil.example", "http://192.168.1.5:3000"} {
		_, resp, err := e.dial(t, &websocket.DialOptions{
			Subprotocols: e.amplifyProtocols(t, testKey), HTTPHeader: http.Header{"Origin": {origin}},
		})
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("upgrade from origin %s: %v, want status 403", origin, err)
		}
		if got := resp.Header.Get("x-amzn-ErrorType"); got != errForbidden {
			t.Errorf("upgrade from origin %s: x-amzn-ErrorType %q, want %s", origin, got, errForbidden)
		}
	}
	for _, origin := range []string{"http://localhost:5173", "https://127.0.0.1:8443", "http://[::1]:3000"} {
		c, _, err := e.dial(t, &websocket.DialOptions{
			Subprotocols: e.amplifyProtocols(t, testKey), HTTPHeader: http.Header{"Origin": {origin}},
		})
		if err != nil {
			t.Fatalf("upgrade from origin %s: %v", origin, err)
		}
		send(t, c, map[string]any{"type": "connection_init"})
		expect(t, read(t, c), "connection_ack")
	}
}

// TestForeignHostRefused checks that a request naming the endpoint by a
// host that is not its own (a DNS name rebound to 127.0.0.1) gets 421, on
// every route, while IP addresses, loopback names and the configured
// address are served.
func TestForeignHostRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *Config) { c.Addr = "events.test:8443" }, nil)
	port := e.ts.URL[strings.LastIndex(e.ts.URL, ":")+1:]
	for _, host := range []string{"evil.example:" + port, "rebind.evil.example", "events.test.evil.example:8443"} {
		for _, method := range []string{http.MethodPost, http.MethodOptions, http.MethodGet} {
			path := "/event"
			if method == http.MethodGet {
				path = "/event/realtime"
			}
			resp := requestWithHost(t, e, method, path, host)
			if resp.StatusCode != http.StatusMisdirectedRequest {
				t.Fatalf("%s %s with Host %q: status %d, want 421", method, path, host, resp.StatusCode)
			}
			var body struct{ Errors []apiError }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Errors) != 1 || body.Errors[0].Message == "" {
				t.Fatalf("%s %s with Host %q: body %+v (%v), want one error", method, path, host, body, err)
			}
			resp.Body.Close()
		}
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "events.test:8443", "EVENTS.TEST"} {
		resp := requestWithHost(t, e, http.MethodPost, "/event", host)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("POST /event with Host %q: status %d, want 200", host, resp.StatusCode)
		}
	}
}

func requestWithHost(t *testing.T, e *env, method, path, host string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.ts.URL+path, strings.NewReader(`{"channel":"/open/a","events":["1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("x-api-key", testKey)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestConnectionCap checks that beyond MaxConnections open WebSocket
// connections, authorised or not, an upgrade gets 503, and that a closed
// connection makes room again.
func TestConnectionCap(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *Config) { c.MaxConnections = 2 }, nil)
	first := e.connect(t)
	if _, _, err := e.dial(t, &websocket.DialOptions{Subprotocols: e.amplifyProtocols(t, "da2-wrong")}); err != nil {
		t.Fatal(err) // an unauthorised connection, waiting for its first message
	}
	_, resp, err := e.dial(t, &websocket.DialOptions{Subprotocols: e.amplifyProtocols(t, testKey)})
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a third connection: %v, want status 503", err)
	}
	if got := resp.Header.Get("x-amzn-ErrorType"); got != errServiceUnavailable {
		t.Errorf("x-amzn-ErrorType %q, want %s", got, errServiceUnavailable)
	}

	_ = first.CloseNow()
	deadline := time.Now().Add(guard) // the server notices the close when its read fails
	for {
		c, _, err := e.dial(t, &websocket.DialOptions{Subprotocols: e.amplifyProtocols(t, testKey)})
		if err == nil {
			send(t, c, map[string]any{"type": "connection_init"})
			expect(t, read(t, c), "connection_ack")
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no room after a connection closed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHTTPServerTimeouts checks the server HTTPServer returns: a request
// whose body stops coming and a keep-alive connection left idle are closed
// after their timeouts, while a WebSocket connection outlives them.
func TestHTTPServerTimeouts(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	srv := New(Config{
		APIKeys: []string{testKey}, OpenNamespaces: []string{"open"},
		ReadTimeout: timeout, IdleTimeout: timeout, KeepAlive: time.Hour,
	})
	serverTLS, roots, _ := testTLS(t)
	hs := srv.HTTPServer(serverTLS)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hs.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { srv.Close(); hs.Close() })
	addr := ln.Addr().String()
	dial := func() *tls.Conn {
		t.Helper()
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, NextProtos: []string{"http/1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		_ = c.SetDeadline(time.Now().Add(guard)) // a server that never closes fails the test here
		return c
	}
	post := "POST /event HTTP/1.1\r\nHost: " + addr + "\r\nx-api-key: " + testKey + "\r\nContent-Type: application/json\r\n"

	t.Run("slow body", func(t *testing.T) {
		c := dial()
		if _, err := io.WriteString(c, post+"Content-Length: 100\r\n\r\n{"); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Fatalf("the connection was not closed: %v", err)
		}
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		c := dial()
		body := `{"channel":"/open/a","events":["1"]}`
		if _, err := io.WriteString(c, post+"Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		resp, err := http.ReadResponse(r, nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("publish: %v %v", resp, err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			t.Fatal(err)
		}
		if _, err := r.ReadByte(); !errors.Is(err, io.EOF) {
			t.Fatalf("after the idle timeout: %v, want the connection closed", err)
		}
	})
	t.Run("websocket outlives the timeouts", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), guard)
		defer cancel()
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
		c, _, err := websocket.Dial(ctx, "wss://"+addr+"/event/realtime", &websocket.DialOptions{
			HTTPClient: client, Subprotocols: []string{wsProtocol}, HTTPHeader: http.Header{"X-Api-Key": {testKey}},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		send(t, c, map[string]any{"type": "connection_init"})
		expect(t, read(t, c), "connection_ack")
		subscribe(t, c, "s", "/open/a")
		time.Sleep(3 * timeout) // past both timeouts: a connection they applied to would be closed
		publish(t, srv, "/open/a", `{"still":"here"}`)
		if got := event(t, next(t, c), "s"); got != `{"still":"here"}` {
			t.Fatalf("got %s", got)
		}
	})
}
