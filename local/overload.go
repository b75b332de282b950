package local

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// refusalGrace bounds how long a refused connection is kept to deliver its
// 503: reading the request's head, the write, then reading what the client
// sent until it closes.
const refusalGrace = time.Second

// maxRequestHead is the most a refusal reads before its request's head ends.
const maxRequestHead = 16 << 10

// limitListener serves at most n connections at once. A connection beyond
// them is not left in the kernel's backlog, where its client would wait
// without an answer (as with golang.org/x/net/netutil.LimitListener): it is
// accepted, its first request is answered with a 503 problem with
// Retry-After and "Connection: close", and it is closed. At most n
// refusals are in progress at once; a connection beyond those too is closed
// at once (its client sees the connection closed or reset). So a flood of
// connections costs at most 2×n goroutines and sockets, whatever its size.
type limitListener struct {
	net.Listener
	slots    chan struct{} // one per served connection
	refusals chan struct{} // one per refusal in progress
	answer   []byte        // the whole HTTP response of a refusal
	grace    time.Duration // how long a refusal may take
}

// newLimitListener limits l to n connections at once; retryAfter is what
// refused clients are told.
func newLimitListener(l net.Listener, n int, retryAfter time.Duration) *limitListener {
	const body = `{"type":"about:blank","title":"Service Unavailable","status":503,` +
		`"detail":"the server has too many connections; try again later"}` + "\n"
	answer := fmt.Sprintf("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"+
		"Retry-After: %d\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		max(int(retryAfter/time.Second), 1), len(body), body)
	return &limitListener{
		Listener: l,
		slots:    make(chan struct{}, n),
		refusals: make(chan struct{}, n),
		answer:   []byte(answer),
		grace:    refusalGrace,
	}
}

// Accept returns the next connection within the limit, refusing the others.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
		}
		select {
		case l.refusals <- struct{}{}:
			go l.refuse(c)
		default:
			c.Close()
		}
	}
}

// refuse answers c's first request with the 503 and closes c. It reads the
// request's head first: an answer sent before the request would reach a
// client that has not asked yet (Go's transport then reports an unsolicited
// response, not the 503). After the answer it half-closes and reads until
// the client closes, so that the unread rest of the request does not make
// the close a reset that destroys the answer in flight.
func (l *limitListener) refuse(c net.Conn) {
	defer func() { <-l.refusals }()
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(l.grace))
	if _, err := http.ReadRequest(bufio.NewReader(io.LimitReader(c, maxRequestHead))); err != nil {
		return // not HTTP, too large, or silent: closed without an answer
	}
	if _, err := c.Write(l.answer); err != nil {
		return
	}
	if tcp, ok := c.(interface{ CloseWrite() error }); ok {
		_ = tcp.CloseWrite()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 1<<20))
}

// limitedConn frees its slot when it is closed, once.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
