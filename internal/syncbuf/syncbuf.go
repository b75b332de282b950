// Package syncbuf is a buffer that goroutines write to while a test reads
// it: a logger's lines, a child process's stderr.
package syncbuf

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer collects output, such as a child's stderr or a logger's lines,
// that other goroutines write while the test reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Contains reports whether s has been written.
func (b *Buffer) Contains(s string) bool { return strings.Contains(b.String(), s) }
