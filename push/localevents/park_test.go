package localevents

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestMessagesSentTogetherAreAllAnswered sends several messages in one TCP
// write and then stays silent: crypto/tls holds what the first read did
// not need, decrypted or raw, or leaves it in the socket, and a reader
// that parked on the socket while bytes wait there would never answer.
func TestMessagesSentTogetherAreAllAnswered(t *testing.T) {
	t.Parallel()
	const n = 30
	for _, tc := range []struct {
		name    string
		records bool // each message in its own TLS record, else all in one
	}{
		{"one TLS record", false},
		{"a TLS record each", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, nil, nil)
			tcp, err := net.Dial("tcp", strings.TrimPrefix(e.ts.URL, "https://"))
			if err != nil {
				t.Fatal(err)
			}
			corked := &corkConn{Conn: tcp}
			conn := tls.Client(corked, &tls.Config{RootCAs: e.roots, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(guard))
			r := rawConnect(t, e, conn)

			var burst bytes.Buffer
			corked.cork()
			for i := range n {
				f := maskedTextFrame(fmt.Appendf(nil, `{"type":"subscribe","id":"s%d","channel":"/jobs/burst-%d"}`, i, i))
				if tc.records {
					if _, err := conn.Write(f); err != nil {
						t.Fatal(err)
					}
				} else {
					burst.Write(f)
				}
			}
			if burst.Len() > 0 {
				if _, err := conn.Write(burst.Bytes()); err != nil {
					t.Fatal(err)
				}
			}
			if err := corked.uncork(); err != nil {
				t.Fatal(err)
			}
			for answered := 0; answered < n; {
				switch got := readServerFrame(t, r); {
				case strings.Contains(got, `"subscribe_success"`):
					answered++
				case !strings.Contains(got, `"ka"`):
					t.Fatalf("after %d answers: %s, want subscribe_success", answered, got)
				}
			}
		})
	}
}

// rawConnect upgrades conn by hand, sends connection_init and reads the
// ack; it returns the reader of the server's frames.
func rawConnect(t *testing.T, e *env, conn net.Conn) *bufio.Reader {
	t.Helper()
	host := strings.TrimPrefix(e.ts.URL, "https://")
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	var req bytes.Buffer
	fmt.Fprintf(&req, "GET /event/realtime HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
		host, base64.StdEncoding.EncodeToString(key), strings.Join(e.amplifyProtocols(t, testKey), ", "))
	req.Write(maskedTextFrame([]byte(`{"type":"connection_init"}`)))
	if _, err := conn.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %s, want 101", resp.Status)
	}
	if got := readServerFrame(t, r); !strings.Contains(got, `"connection_ack"`) {
		t.Fatalf("first message %s, want connection_ack", got)
	}
	return r
}

// corkConn holds what is written while corked and writes it at once on uncork.
type corkConn struct {
	net.Conn
	mu      sync.Mutex
	corked  bool
	pending bytes.Buffer
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		return c.pending.Write(p)
	}
	return c.Conn.Write(p)
}

func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	_, err := c.Conn.Write(c.pending.Bytes())
	return err
}

// TestIdleConnectionEnds checks that a subscribed connection whose reader
// waits for the client ends when the server ends it: at shutdown with
// status 1001, and when it is dropped (as a slow consumer is).
func TestIdleConnectionEnds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		end    func(*Server)
		status websocket.StatusCode // -1: closed without a close frame
	}{
		{"server closed", (*Server).Close, websocket.StatusGoingAway},
		{"dropped", func(s *Server) {
			for _, c := range s.connections() {
				c.cancel(errSlowConsumer)
			}
		}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, nil, nil)
			c := e.connect(t)
			subscribe(t, c, "s", "/jobs/idle")
			time.Sleep(50 * time.Millisecond) // lets the reader wait
			ctx, cancel := context.WithTimeout(context.Background(), guard)
			defer cancel()
			read := make(chan error, 1)
			go func() { _, _, err := c.Read(ctx); read <- err }() // answers a close frame
			tc.end(e.srv)
			err := <-read
			if got := websocket.CloseStatus(err); got != tc.status || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("client read: %v (status %d), want status %d", err, got, tc.status)
			}
			for conns, _ := e.srv.holds(); conns > 0; conns, _ = e.srv.holds() {
				if ctx.Err() != nil {
					t.Fatalf("server still holds %d connections", conns)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// connections lists s's open connections.
func (s *Server) connections() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	var conns []*conn
	for c := range s.conns {
		conns = append(conns, c)
	}
	return conns
}
