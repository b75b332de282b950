package localevents

import (
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestIdleConnectionHoldsOneGoroutine checks that an idle subscribed
// connection keeps only its reader: the writer runs while there is
// something to send, and keep-alives come from a timer.
func TestIdleConnectionHoldsOneGoroutine(t *testing.T) {
	const n = 20
	e := setup(t, nil, nil)
	e.connect(t) // warms up what the first connection starts once
	before := runtime.NumGoroutine()
	for i := range n {
		subscribe(t, e.connect(t), "s", fmt.Sprintf("/jobs/idle-%d", i))
	}
	deadline := time.Now().Add(guard)
	for {
		got := runtime.NumGoroutine() - before
		if got <= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d idle subscribed connections hold %d goroutines, want at most one each", n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// And they still hear their events.
	c := e.connect(t)
	subscribe(t, c, "s", "/jobs/heard")
	publish(t, e.srv, "/jobs/heard", `{"n":1}`)
	if ev := event(t, next(t, c), "s"); ev != `{"n":1}` {
		t.Errorf("event %s, want {\"n\":1}", ev)
	}
}

// TestMessageSentWithTheUpgradeIsHandled sends connection_init in the same
// write as the upgrade request, so that net/http has read it before the
// connection is handed over: it must still be answered.
func TestMessageSentWithTheUpgradeIsHandled(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	host := strings.TrimPrefix(e.ts.URL, "https://")
	conn, err := tls.Dial("tcp", host, &tls.Config{RootCAs: e.roots, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(guard))
	rawConnect(t, e, conn)
}

// maskedTextFrame is a client's text frame holding p (p < 126 bytes).
func maskedTextFrame(p []byte) []byte {
	mask := [4]byte{1, 2, 3, 4}
	f := append([]byte{0x81, 0x80 | byte(len(p))}, mask[:]...)
	for i, b := range p {
		f = append(f, b^mask[i%4])
	}
	return f
}

// readServerFrame reads one unmasked frame and returns its payload.
func readServerFrame(t *testing.T, r io.Reader) string {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		t.Fatal(err)
	}
	n := int(h[1] & 0x7f)
	if n == 126 {
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			t.Fatal(err)
		}
		n = int(binary.BigEndian.Uint16(ext[:]))
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		t.Fatal(err)
	}
	return string(p)
}
