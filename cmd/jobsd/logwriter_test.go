package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
)

// gatedWriter records each Write; a Write waits for release once entered
// has been told.
type gatedWriter struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	writes  []string
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	g.entered <- struct{}{}
	<-g.release
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writes = append(g.writes, string(p))
	return len(p), nil
}

func TestLogWriterBatchesTheLinesThatArriveDuringAWrite(t *testing.T) {
	out := &gatedWriter{entered: make(chan struct{}), release: make(chan struct{})}
	w := newLogWriter(out)
	fmt.Fprintln(w, "line 0")
	<-out.entered // the writer is writing line 0
	for i := 1; i <= 9; i++ {
		fmt.Fprintln(w, "line", i)
	}
	out.release <- struct{}{}
	<-out.entered
	out.release <- struct{}{}
	w.Close()
	want := []string{"line 0\n", "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\n"}
	if fmt.Sprint(out.writes) != fmt.Sprint(want) {
		t.Fatalf("writes %q, want %q", out.writes, want)
	}
}

func TestLogWriterCloseWritesEveryLineInOrder(t *testing.T) {
	t.Parallel()
	out := &syncbuf.Buffer{}
	w := newLogWriter(out)
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				fmt.Fprintf(w, "writer %d line %06d\n", g, i)
			}
		}()
	}
	wg.Wait()
	w.Close()
	fmt.Fprintln(w, "after close")
	next := make([]int, writers)
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != writers*lines+1 || got[len(got)-1] != "after close" {
		t.Fatalf("%d lines, the last %q; want %d and \"after close\"", len(got), got[len(got)-1], writers*lines+1)
	}
	for _, line := range got[:len(got)-1] {
		var g, i int
		if _, err := fmt.Sscanf(line, "writer %d line %d", &g, &i); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if i != next[g] {
			t.Fatalf("writer %d: line %d after %d", g, i, next[g]-1)
		}
		next[g]++
	}
}
