package appsync

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// redialSetup is a RedialingWatcher on f, with its logs.
func redialSetup(t *testing.T, f *fakeRealtime) (*RedialingWatcher, *syncbuf.Buffer) {
	t.Helper()
	var logs syncbuf.Buffer
	w, err := NewRedialingWatcher(RedialConfig{
		Client: ClientConfig{Endpoint: f.srv.URL + "/event", Auth: APIKey("k"), HTTPClient: f.srv.Client()},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, &logs
}

func (f *fakeRealtime) connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conns)
}

// publishSeq has f deliver job id at seq and checks that changes delivers it.
func publishSeq(t *testing.T, f *fakeRealtime, changes <-chan jobs.Change, id string, seq int64) {
	t.Helper()
	f.deliver("/jobs/"+id, jobEvent(t, id, seq, jobs.StatusRunning))
	select {
	case j := <-changes:
		if j.ID != id || j.Seq != seq {
			t.Errorf("delivered %s at seq %d, want %s at seq %d", j.ID, j.Seq, id, seq)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s at seq %d was not delivered", id, seq)
	}
}

func TestRedialingWatcherDialsLazilyOnceForConcurrentWatches(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, apiKeyAuth("k"))
	w, _ := redialSetup(t, f)
	if n := f.connections(); n != 0 {
		t.Fatalf("%d connections before the first Watch, want none", n)
	}

	const watchers = 8
	changes := make([]<-chan jobs.Change, watchers)
	var wg sync.WaitGroup
	for i := range watchers {
		wg.Go(func() {
			var stop func()
			changes[i], stop = w.Watch(t.Context(), fmt.Sprintf("job-%d", i))
			t.Cleanup(stop)
		})
	}
	wg.Wait()
	if n := f.connections(); n != 1 {
		t.Errorf("%d connections after %d concurrent watches, want 1", n, watchers)
	}
	for i := range watchers {
		publishSeq(t, f, changes[i], fmt.Sprintf("job-%d", i), 1)
	}
}

func TestRedialingWatcherRedialsOnceTheConnectionEnds(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, apiKeyAuth("k"))
	w, _ := redialSetup(t, f)
	changes, stop := w.Watch(t.Context(), "job-1")
	defer stop()
	first := w.current.conn

	f.dropAll()
	<-first.Done()
	again, stopAgain := w.Watch(t.Context(), "job-1")
	defer stopAgain()
	if w.current.conn == first {
		t.Fatal("Watch used the connection that had ended")
	}
	if n := f.connections(); n != 2 {
		t.Errorf("%d connections, want 2: the dropped one and the redialled one", n)
	}
	publishSeq(t, f, again, "job-1", 2)
	select {
	case j := <-changes:
		t.Errorf("the watch on the ended connection delivered %+v", j)
	default:
	}
}

func TestRedialingWatcherBoundsTheDial(t *testing.T) {
	t.Parallel()
	// A server that accepts TCP connections and never says a word: no TLS
	// handshake, no upgrade. Counting accepted connections (not requests,
	// which a slow handshake might never deliver) makes the count exact.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // closed by the test
		}
	}()
	var logs syncbuf.Buffer
	w, err := NewRedialingWatcher(RedialConfig{
		Client: ClientConfig{Endpoint: "https://" + ln.Addr().String() + "/event", Auth: APIKey("k"),
			HTTPClient: &http.Client{}, ReplyTimeout: time.Hour},
		DialTimeout: 50 * time.Millisecond,
		Logger:      slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	changes, stop := w.Watch(t.Context(), "job-1")
	stop()
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Watch took %s with a dial timeout of 50ms", elapsed)
	}
	select {
	case j := <-changes:
		t.Errorf("delivered %+v", j)
	default:
	}
	w.Watch(t.Context(), "job-2") // a failed dial is not kept: this one dials again
	for i := range 2 {
		select {
		case c := <-accepted:
			c.Close()
		case <-time.After(10 * time.Second):
			t.Fatalf("%d dials reached the server, want 2", i)
		}
	}
	if s := logs.String(); !strings.Contains(s, "cannot watch job") || !strings.Contains(s, "job=job-1") ||
		!strings.Contains(s, "deadline exceeded") {
		t.Errorf("logs %q do not tell that job-1 cannot be watched for want of a connection", s)
	}
}

func TestRedialingWatcherClose(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, apiKeyAuth("k"))
	w, logs := redialSetup(t, f)
	w.Watch(t.Context(), "job-1")
	conn := w.current.conn
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	<-conn.Done()
	changes, stop := w.Watch(t.Context(), "job-2")
	defer stop()
	if n := f.connections(); n != 1 {
		t.Errorf("%d connections, want 1: Watch dialled after Close", n)
	}
	select {
	case j := <-changes:
		t.Errorf("delivered %+v after Close", j)
	default:
	}
	if s := logs.String(); !strings.Contains(s, "job=job-2") || !strings.Contains(s, ErrClosed.Error()) {
		t.Errorf("logs %q do not tell that job-2 cannot be watched after Close", s)
	}
}

func TestNewRedialingWatcherChecksTheConfig(t *testing.T) {
	t.Parallel()
	tests := map[string]ClientConfig{
		"no endpoint":  {Auth: APIKey("k")},
		"no auth":      {Endpoint: "https://example.com/event"},
		"bad realtime": {Endpoint: "https://example.com/event", RealtimeEndpoint: "wss://", Auth: APIKey("k")},
	}
	for name, cfg := range tests {
		if _, err := NewRedialingWatcher(RedialConfig{Client: cfg}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
