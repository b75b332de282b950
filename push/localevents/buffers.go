package localevents

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"sync"
)

// connBufferSize is the size of the bufio buffers a WebSocket connection
// keeps for its life, instead of net/http's 4 KiB each. Reading through
// a small buffer costs no system call, since TLS already holds the
// decrypted record; writes are gathered by frameWriter.
const connBufferSize = 64

// compactBuffers is a ResponseWriter whose Hijack hands the WebSocket
// library small buffers: 8 KiB less for every idle connection. It keeps
// the connection and the reader it handed over, for the parker.
type compactBuffers struct {
	http.ResponseWriter
	conn   net.Conn
	reader *bufio.Reader
}

func (w *compactBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack takes the connection over from net/http and drops its buffers.
// Bytes net/http had already read (a client may send its first message as
// soon as it has the 101) stay buffered in the new reader, where the
// WebSocket library looks for them.
func (w *compactBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(nc, connBufferSize)
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), nc), max(n, connBufferSize))
		if _, err := br.Peek(n); err != nil { // fills the buffer from early alone
			return nil, nil, err
		}
	}
	w.conn, w.reader = nc, br
	return nc, bufio.NewReadWriter(br, bufio.NewWriterSize(&frameWriter{w: nc}, connBufferSize)), nil
}

// frameWriter gathers what the WebSocket library writes until it holds
// whole frames, then writes them at once: one TLS record and one system
// call per message, as a 4 KiB bufio.Writer gives for messages that fit
// it, from a buffer borrowed only while a frame is being written.
type frameWriter struct {
	w       io.Writer
	pending *[]byte // a frame begun; nil between frames
}

// frameBuffers hold partial frames; larger ones are not kept.
var frameBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledFrame = 64 << 10

func (f *frameWriter) Write(p []byte) (int, error) {
	if f.pending == nil {
		if wholeFrames(p) {
			return f.w.Write(p)
		}
		f.pending = frameBuffers.Get().(*[]byte)
	}
	*f.pending = append(*f.pending, p...)
	if !wholeFrames(*f.pending) {
		return len(p), nil
	}
	buf := f.pending
	f.pending = nil
	_, err := f.w.Write(*buf)
	if cap(*buf) <= maxPooledFrame {
		*buf = (*buf)[:0]
		frameBuffers.Put(buf)
	}
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// wholeFrames reports whether b is one or more complete WebSocket frames
// (RFC 6455 section 5.2).
func wholeFrames(b []byte) bool {
	for len(b) > 0 {
		if len(b) < 2 {
			return false
		}
		length, extended := uint64(b[1]&0x7f), 0
		switch length {
		case 126:
			extended = 2
		case 127:
			extended = 8
		}
		header := 2 + extended
		if b[1]&0x80 != 0 {
			header += 4 // masking key
		}
		if len(b) < header {
			return false
		}
		switch extended {
		case 2:
			length = uint64(binary.BigEndian.Uint16(b[2:4]))
		case 8:
			length = binary.BigEndian.Uint64(b[2:10])
		}
		if uint64(len(b)-header) < length {
			return false
		}
		b = b[header+int(length):]
	}
	return true
}
