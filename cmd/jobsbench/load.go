package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"
)

// The load generator: keep-alive HTTP/1.1 connections, each a goroutine that
// writes one request and reads its response, back to back (a closed loop, as
// wrk). Requests are prebuilt bytes and responses are parsed by hand, so that
// a request costs the generator a few microseconds of CPU and the server, not
// the generator, limits the rate.

// load is one run of the generator.
type load struct {
	addr  string
	conns int
	until time.Time // no request starts after it; zero: until next says stop
	// next appends connection w's next request to buf; false: it has no more.
	next func(w int, buf []byte) ([]byte, bool)
	// seen, if set, is given every response of connection w.
	seen func(w int, status int, body []byte)
}

// loadResult is what a load run saw. Responses that arrive after until are
// counted too, and Elapsed runs until the last one.
type loadResult struct {
	Elapsed time.Duration
	Status  map[int]int64
	Errors  int64 // connection or protocol errors; the request is then lost
	LastErr error
	Latency []float64 // milliseconds, one per response
}

// overloadPause is how long a connection waits after a 503 before its next
// request, so that refused requests do not spin the machine.
const overloadPause = 10 * time.Millisecond

func (l load) run() loadResult {
	start := time.Now()
	parts := make([]loadResult, l.conns)
	var wg sync.WaitGroup
	for w := range l.conns {
		wg.Go(func() { parts[w] = l.worker(w) })
	}
	wg.Wait()
	total := loadResult{Elapsed: time.Since(start), Status: map[int]int64{}}
	for _, p := range parts {
		for s, n := range p.Status {
			total.Status[s] += n
		}
		total.Errors += p.Errors
		total.LastErr = cmpErr(total.LastErr, p.LastErr)
		total.Latency = append(total.Latency, p.Latency...)
	}
	return total
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// maxErrors is how many connection errors a connection tolerates in one run.
const maxErrors = 100

func (l load) worker(w int) loadResult {
	r := loadResult{Status: map[int]int64{}}
	var (
		conn      net.Conn
		br        *bufio.Reader
		req, body []byte
		ok        bool
	)
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for r.Errors < maxErrors && (l.until.IsZero() || time.Now().Before(l.until)) {
		if conn == nil {
			c, err := net.Dial("tcp", l.addr)
			if err != nil {
				r.Errors, r.LastErr = r.Errors+1, err
				time.Sleep(10 * time.Millisecond)
				continue
			}
			conn, br = c, bufio.NewReaderSize(c, 16<<10)
		}
		if req, ok = l.next(w, req[:0]); !ok {
			break
		}
		start := time.Now()
		status, b, err := roundTrip(conn, br, req, body)
		body = b
		if err != nil {
			r.Errors, r.LastErr = r.Errors+1, err
			conn.Close()
			conn = nil
			continue
		}
		r.Latency = append(r.Latency, float64(time.Since(start).Microseconds())/1000)
		r.Status[status]++
		if l.seen != nil {
			l.seen(w, status, body)
		}
		if status == 503 {
			time.Sleep(overloadPause)
		}
	}
	return r
}

// roundTrip writes req and reads the response, its body into body's array.
func roundTrip(conn net.Conn, br *bufio.Reader, req, body []byte) (int, []byte, error) {
	if _, err := conn.Write(req); err != nil {
		return 0, body, err
	}
	return readResponse(br, body)
}

var errNoLength = errors.New("a response without Content-Length (chunked responses are not supported)")

// readResponse reads an HTTP/1.1 response that has a Content-Length.
func readResponse(br *bufio.Reader, body []byte) (int, []byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, body, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, body, fmt.Errorf("not an HTTP/1 status line: %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, body, fmt.Errorf("status line %q: %w", line, err)
	}
	length := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, body, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		if bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return 0, body, fmt.Errorf("Content-Length %q: %w", value, err)
			}
		}
	}
	if length < 0 {
		return 0, body, errNoLength
	}
	body = slices.Grow(body[:0], length)[:length]
	_, err = io.ReadFull(br, body)
	return status, body, err
}

// postRequest is a POST of a JSON body.
func postRequest(host, path, body string) []byte {
	return fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		path, host, len(body), body)
}

// appendGet appends a GET of prefix+id to buf.
func appendGet(buf []byte, host, prefix, id string) []byte {
	buf = append(buf, "GET "...)
	buf = append(buf, prefix...)
	buf = append(buf, id...)
	buf = append(buf, " HTTP/1.1\r\nHost: "...)
	buf = append(buf, host...)
	return append(buf, "\r\n\r\n"...)
}

// phase is what one load phase measured.
type phase struct {
	Name      string           `json:"name"`
	Counted   int64            `json:"counted"` // responses with the wanted status
	Seconds   float64          `json:"seconds"`
	Rate      float64          `json:"rate"` // Counted per second
	Status    map[string]int64 `json:"status"`
	Errors    int64            `json:"errors"`
	LatencyMs summary          `json:"latencyMs"`
	Cores     cores            `json:"cores"`
	// LoadgenMicros is the generator's CPU time per response.
	LoadgenMicros float64 `json:"loadgenMicrosPerResponse"`
}

// measure runs l against the server with the given pid and counts the
// responses with status want.
func measure(name string, pid, want int, l load) (phase, error) {
	u := usageOf(pid)
	res := l.run()
	c, self, secs := u.since(pid)
	p := phase{
		Name: name, Counted: res.Status[want], Seconds: secs, Status: map[string]int64{},
		Errors: res.Errors, LatencyMs: summarize(res.Latency), Cores: c,
	}
	p.Rate = float64(p.Counted) / secs
	var responses int64
	for s, n := range res.Status {
		p.Status[strconv.Itoa(s)] = n
		responses += n
	}
	if responses > 0 {
		p.LoadgenMicros = float64(self.Microseconds()) / float64(responses)
	}
	if p.Counted == 0 {
		return p, fmt.Errorf("%s: no %d responses (status %v, %d errors, last: %v)", name, want, p.Status, res.Errors, res.LastErr)
	}
	return p, nil
}
