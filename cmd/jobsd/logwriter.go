package main

import (
	"io"
	"sync"
	"time"
)

// maxPendingLog is how many bytes of log lines may wait for the writer
// before a new line waits for them to be written.
const maxPendingLog = 256 << 10

// logInterval is the least time between two writes of the log.
const logInterval = 5 * time.Millisecond

// logWriter writes the log to out in batches, instead of one write(2) per
// line: a line that arrives when nothing was written for logInterval is
// written at once, so an idle server's log is not delayed; under load the
// lines that arrive within logInterval of a write go out together in the
// next, so the request log costs at most one write per logInterval. The
// price: when the process is killed (SIGKILL, or a crash outside the main
// goroutine) the lines of the last logInterval may be lost, where a write per
// line lost none. Close writes what is pending; jobsd closes it before it
// exits, on errors and panics of its main goroutine too.
type logWriter struct {
	out  io.Writer
	wake chan struct{} // holds a token while pending has lines the writer has not taken
	done chan struct{} // closed when the writer has written its last batch

	mu      sync.Mutex
	taken   *sync.Cond // signalled when the writer takes pending
	pending []byte
	closed  bool // Close has been called: lines go to out directly
}

func newLogWriter(out io.Writer) *logWriter {
	w := &logWriter{out: out, wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.taken = sync.NewCond(&w.mu)
	go w.run()
	return w
}

// Write queues p for the writer; once w is closed, it writes p to out,
// after the last batch.
func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	for len(w.pending) >= maxPendingLog && !w.closed {
		w.taken.Wait()
	}
	if !w.closed {
		w.pending = append(w.pending, p...)
		select {
		case w.wake <- struct{}{}:
		default: // the writer has a token already
		}
		w.mu.Unlock()
		return len(p), nil
	}
	w.mu.Unlock()
	<-w.done
	w.mu.Lock() // no longer used by the writer: it keeps direct writes whole
	defer w.mu.Unlock()
	return w.out.Write(p)
}

// run writes what is pending each time a line arrives, at most once per
// logInterval, until Close.
func (w *logWriter) run() {
	defer close(w.done)
	var batch []byte
	for range w.wake {
		w.mu.Lock()
		batch, w.pending = w.pending, batch[:0]
		w.taken.Broadcast()
		w.mu.Unlock()
		// A log that cannot be written has nowhere to report it, as
		// with slog writing to out itself.
		if len(batch) > 0 {
			_, _ = w.out.Write(batch)
			time.Sleep(logInterval)
		}
	}
}

// Close writes what is pending and waits for it; the lines written after it
// go to out at once.
func (w *logWriter) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	close(w.wake)
	w.taken.Broadcast()
	w.mu.Unlock()
	<-w.done
}
