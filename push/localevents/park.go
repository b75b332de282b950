package localevents

import (
	"bufio"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// parker lets an idle connection's reader wait for the client on a shallow
// stack. A reader blocked inside the WebSocket library waits some 3 KiB
// deep (frame header → bufio → crypto/tls → net), which keeps its
// goroutine's stack at 8 KiB once it has grown there: the runtime halves a
// stack at GC only while what is in use, plus 800 bytes kept for nosplit
// functions, is under a quarter of it. Waiting in syscall.RawConn.Read
// instead, under 1 KiB deep, lets it shrink to 4 KiB (2 KiB would need
// under 224 bytes).
type parker struct {
	tc *tls.Conn
	rc syscall.RawConn // of the TCP connection under tc
	br *bufio.Reader   // what the WebSocket library reads from, over tc

	mu      sync.Mutex
	closing bool // the library may be reading tc itself (Close's handshake)
}

// newParker returns a parker for a WebSocket connection over nc, read
// through br, or nil if nc is not TLS over a socket: then the reader waits
// inside the library.
func newParker(nc net.Conn, br *bufio.Reader) *parker {
	tc, ok := nc.(*tls.Conn)
	if !ok {
		return nil
	}
	sc, ok := tc.NetConn().(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return &parker{tc: tc, rc: rc, br: br}
}

// wait returns once the connection may have something to read, or has
// been closed; the caller then reads it through the library. Bytes that
// crypto/tls already holds are never left waiting: they are moved into
// br first. A spurious return is harmless: the library's read then waits.
func (p *parker) wait() {
	if p.readable() {
		return
	}
	_ = p.rc.Read(socketReadable)
}

// pastDeadline makes a read return at once with what crypto/tls holds.
var pastDeadline = time.Unix(1, 0)

// readable reports whether the next read need not wait for the socket:
// br or crypto/tls holds bytes (TLS's decrypted or whole raw records are
// moved into br by a read that may not wait), or reading ends in an error.
// crypto/tls does not keep a timeout as the connection's error, so the
// library's next read is not spoilt by this one. During a close handshake
// the library reads tc on another goroutine: tc and br are left alone.
func (p *parker) readable() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing || p.br.Buffered() > 0 {
		return true
	}
	_ = p.tc.SetReadDeadline(pastDeadline)
	_, err := p.br.Peek(1)
	_ = p.tc.SetReadDeadline(time.Time{})
	return !errors.Is(err, os.ErrDeadlineExceeded)
}

// beginClose tells the reader that the library may read tc from now on.
// Call it before the WebSocket library's Close.
func (p *parker) beginClose() {
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
}
