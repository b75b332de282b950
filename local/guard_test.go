package local_test

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/handlers/problem"
	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
	"github.com/asyncjobs/asyncjobs/local"
)

// TestForeignHostIsMisdirected sends requests as a DNS-rebinding page
// would, with its own name in Host: every path, /healthz too, is refused
// with a 421 problem that names the Host. IP addresses and loopback names
// are served.
func TestForeignHostIsMisdirected(t *testing.T) {
	t.Parallel()
	sys, base := start(t, config(t.TempDir()))
	_, port, _ := net.SplitHostPort(sys.Addr())
	for _, path := range []string{"/healthz", "/jobs", "/openapi.json"} {
		for _, host := range []string{"rebind.evil.example:" + port, "rebind.evil.example", "localhost.evil.example:" + port} {
			req, _ := http.NewRequest(http.MethodGet, base+path, nil)
			req.Host = host
			resp, p := askProblem(t, req)
			if resp.StatusCode != http.StatusMisdirectedRequest || p.Status != http.StatusMisdirectedRequest ||
				p.Title != "Misdirected Request" || !strings.Contains(p.Detail, `"`+host+`"`) || !strings.Contains(p.Detail, "DNS rebinding") {
				t.Errorf("GET %s with Host %s: %d %+v, want a 421 problem naming the Host and why", path, host, resp.StatusCode, p)
			}
		}
	}
	for _, host := range []string{sys.Addr(), "localhost:" + port, "LOCALHOST", "api.localhost:" + port, "[::1]:" + port, "192.0.2.1:" + port} {
		req, _ := http.NewRequest(http.MethodGet, base+"/healthz", nil)
		req.Host = host
		if resp, _ := askProblem(t, req); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /healthz with Host %s: %d, want 200", host, resp.StatusCode)
		}
	}
}

// askProblem sends req and decodes its answer as a problem, which it must be
// unless the status is 2xx.
func askProblem(t *testing.T, req *http.Request) (*http.Response, problem.Details) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p problem.Details
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: %d with Content-Type %q, want application/problem+json", req.Method, req.URL.Path, resp.StatusCode, ct)
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Errorf("%s %s: %d %q is not a problem: %v", req.Method, req.URL.Path, resp.StatusCode, raw, err)
		}
	}
	return resp, p
}

// startLogged starts a system whose log the test reads, and returns its
// API's address.
func startLogged(t *testing.T, cfg local.Config) (string, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	sys, _ := start(t, cfg)
	return sys.Addr(), logs
}

// sendBodyPart connects to addr and sends the head of a POST that promises
// 100 bytes of body, and then only part of them.
func sendBodyPart(t *testing.T, addr, part string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	head := "POST /jobs HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
	if _, err := io.WriteString(conn, head+part); err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestSlowBodyIsAnsweredAndDropped sends a request head that promises 100
// bytes of body and then one byte: within the body deadline (200 ms here;
// the bound checked is 5 s, so that a slow machine cannot fail the test)
// the answer is a 400 problem, the connection is closed, and nothing is
// logged at ERROR.
func TestSlowBodyIsAnsweredAndDropped(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.BodyReadTimeout = 200 * time.Millisecond
	addr, logs := startLogged(t, cfg)

	began := time.Now()
	conn := sendBodyPart(t, addr, "{")
	defer conn.Close()
	const bound = 5 * time.Second
	conn.SetDeadline(began.Add(bound))
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("no answer to a slow body within %s: %v", bound, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(string(body), "the request body could not be read") {
		t.Fatalf("slow body: %d %s %s, want a 400 problem saying the body could not be read", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if n, err := r.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after the answer the connection gave %d bytes, %v; want it closed (EOF)", n, err)
	}
	t.Logf("answered and closed after %s", time.Since(began).Round(time.Millisecond))
	if logs.Contains("level=ERROR") {
		t.Fatalf("a slow client was logged as an error:\n%s", logs.String())
	}
}

// TestAbandonedBodyIsNotAnError closes the connection in the middle of a
// body: the request is logged as a client error, nothing at ERROR.
func TestAbandonedBodyIsNotAnError(t *testing.T) {
	t.Parallel()
	addr, logs := startLogged(t, config(t.TempDir()))
	sendBodyPart(t, addr, `{"seconds":`).Close()
	deadline := time.Now().Add(10 * time.Second)
	for !logs.Contains("msg=request ") {
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned request was never logged:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !logs.Contains("status=400") || logs.Contains("level=ERROR") {
		t.Fatalf("an abandoned body must be logged as a 400, not as an error:\n%s", logs.String())
	}
}

// TestLongWaitOutlivesTheBodyDeadline submits with Prefer: wait=N, longer
// than the body deadline: once the body is in, the deadline no longer
// applies (net/http lifts it), and the answer is the finished job.
func TestLongWaitOutlivesTheBodyDeadline(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.BodyReadTimeout = 100 * time.Millisecond
	cfg.JobTypes.OrderStep = 200 * time.Millisecond // 4 steps: the job takes about 800 ms
	_, base := start(t, cfg)
	resp, j := call(t, http.MethodPost, base+"/jobs", `{"type":"order","parameters":{"orderId":"o-1"}}`, "Prefer", "wait=20")
	if resp.StatusCode != http.StatusOK || j.Status != "Success" {
		t.Fatalf("POST with Prefer: wait=20: %d %s, want 200 Success", resp.StatusCode, j.Status)
	}
}
