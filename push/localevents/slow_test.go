package localevents

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// smallBuffers shrinks the kernel buffers of a TCP connection so that a
// peer that stops reading stalls it after a few kilobytes, not megabytes.
func smallBuffers(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4 << 10)
		_ = tc.SetWriteBuffer(4 << 10)
	}
}

// firstSmall shrinks the buffers of the first connection it accepts only.
type firstSmall struct {
	net.Listener
	once sync.Once
}

func (l *firstSmall) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.once.Do(func() { smallBuffers(c) })
	}
	return c, err
}

func TestSlowConsumerIsDropped(t *testing.T) {
	t.Parallel()
	const queue, total, perRound = 64, 10_000, 50
	e := setup(t, func(c *Config) { c.SendQueue = queue }, func(l net.Listener) net.Listener { return &firstSmall{Listener: l} })

	// The slow subscriber connects first, with small buffers at both ends;
	// the reading one keeps the default buffers, which keeps it quick.
	var dialer net.Dialer
	normal := e.client
	e.client = &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: e.roots},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err == nil {
				smallBuffers(c)
			}
			return c, err
		},
	}}
	t.Cleanup(e.client.CloseIdleConnections)
	slow := e.connect(t) // subscribes, then never reads again
	subscribe(t, slow, "slow", "/jobs/x")
	e.client = normal
	fast := e.connect(t)
	subscribe(t, fast, "fast", "/jobs/x")

	// Publish in rounds of perRound (< queue) events and let the reading
	// subscriber catch up after each round, so that only the slow one can
	// fill its queue. Publish must return every time even though the slow
	// subscriber takes nothing: a blocked Publish would hang the test.
	pad := strings.Repeat("p", 512)
	for seq := 0; seq < total; {
		for range perRound / 5 {
			batch := make([]json.RawMessage, 5)
			for i := range batch {
				batch[i] = json.RawMessage(fmt.Sprintf(`{"seq":%d,"pad":%q}`, seq, pad))
				seq++
			}
			if err := e.srv.Publish(t.Context(), "/jobs/x", batch); err != nil {
				t.Fatal(err)
			}
		}
		for want := seq - perRound; want < seq; want++ {
			var got struct{ Seq int }
			if err := json.Unmarshal([]byte(event(t, next(t, fast), "fast")), &got); err != nil {
				t.Fatal(err)
			}
			if got.Seq != want {
				t.Fatalf("reading subscriber got event %d, want %d", got.Seq, want)
			}
		}
	}

	// The slow subscriber finds what was buffered for it, then the end of the connection.
	received := 0
	for {
		m, err := tryRead(slow)
		if err != nil {
			break
		}
		if m.Type == "data" {
			received++
		}
	}
	if received >= total {
		t.Errorf("the slow subscriber received all %d events, want it dropped", received)
	}
	t.Logf("the slow subscriber received %d of %d events before it was dropped", received, total)
	if st := e.srv.Stats(); st.SlowConsumers != 1 {
		t.Errorf("Stats: %+v, want 1 slow consumer dropped", st)
	}
	subscribe(t, fast, "after", "/jobs/y") // the reading subscriber is still connected
}
