package localevents

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// Environment of the idle-subscriber client process that
// BenchmarkIdleSubscriberMemory starts: it runs this test binary again,
// with TestIdleSubscriberClient only.
const (
	idleClientURL   = "LOCALEVENTS_IDLE_URL"
	idleClientCount = "LOCALEVENTS_IDLE_COUNT"
	idleClientCA    = "LOCALEVENTS_IDLE_CA"
)

// BenchmarkIdleSubscriberMemory measures what the server holds for each
// idle subscribed WebSocket connection over TLS: heap and stack in use,
// goroutines, and the process's resident memory. The clients live in another process so that only the
// server's side is counted. Each iteration opens n connections.
func BenchmarkIdleSubscriberMemory(b *testing.B) {
	const n = 2000
	e := setup(b, func(c *Config) { c.MaxConnections = n + 10 }, nil)
	for b.Loop() {
		before := serverMemory()
		cmd := exec.Command(os.Args[0], "-test.run=^TestIdleSubscriberClient$", "-test.count=1")
		cmd.Env = append(os.Environ(), idleClientURL+"="+e.wsURL(), idleClientCount+"="+strconv.Itoa(n), idleClientCA+"="+e.caFile)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		out := bufio.NewReader(stdout)
		for line := ""; !strings.HasPrefix(line, "ready"); {
			if line, err = out.ReadString('\n'); err != nil {
				b.Fatalf("client process: %v", err)
			}
			if !strings.HasPrefix(line, "ready") {
				fmt.Fprint(os.Stderr, line) // the client's failure
			}
		}
		if conns, subs := e.srv.holds(); conns != n || subs != n {
			b.Fatalf("server holds %d connections and %d subscriptions, want %d of each", conns, subs, n)
		}
		with := serverMemory()
		b.ReportMetric(float64(with.heap-before.heap)/n, "heapB/conn")
		b.ReportMetric(float64(with.stack-before.stack)/n, "stackB/conn")
		b.ReportMetric(float64(with.heap+with.stack-before.heap-before.stack)/n, "B/conn")
		b.ReportMetric(float64(with.goroutines-before.goroutines)/n, "goroutines/conn")
		b.ReportMetric(float64(with.rss-before.rss)/n, "rssB/conn")
		_ = stdin.Close()
		_ = cmd.Wait()
	}
}

type memory struct{ heap, stack, goroutines, rss int64 }

func serverMemory() memory {
	for range 6 {
		runtime.GC()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memory{heap: int64(m.HeapInuse), stack: int64(m.StackInuse), goroutines: int64(runtime.NumGoroutine()), rss: residentBytes()}
}

// residentBytes is the process's resident set size, or 0 where /proc does not tell.
func residentBytes() int64 {
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(statm))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// TestIdleSubscriberClient is the client process of
// BenchmarkIdleSubscriberMemory; without its environment it does nothing.
// It opens the connections, subscribes each to its own job channel, says
// "ready" and holds them until its stdin closes.
func TestIdleSubscriberClient(t *testing.T) {
	url := os.Getenv(idleClientURL)
	if url == "" {
		t.Skip("run by BenchmarkIdleSubscriberMemory")
	}
	n, _ := strconv.Atoi(os.Getenv(idleClientCount))
	caPEM, err := os.ReadFile(os.Getenv(idleClientCA))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	auth, _ := json.Marshal(map[string]string{"host": strings.TrimSuffix(strings.TrimPrefix(url, "wss://"), "/event/realtime"), "x-api-key": testKey})
	protocols := []string{wsProtocol, "header-" + base64.RawURLEncoding.EncodeToString(auth)}
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client, Subprotocols: protocols})
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		send(t, c, map[string]any{"type": "connection_init"})
		expect(t, read(t, c), "connection_ack")
		send(t, c, map[string]any{"type": "subscribe", "id": "s", "channel": fmt.Sprintf("/jobs/idle-%d", i)})
		expect(t, next(t, c), "subscribe_success")
		cancel()
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
}
