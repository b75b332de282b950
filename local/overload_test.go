package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/jobsdtest"
	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
)

// TestFloodBeyondTheQueue floods POST /jobs of an in-process system with
// 50 times its queue of slow jobs. Every answer is a 202 or a 503 with
// Retry-After; the queue is filled; no more jobs are accepted than the
// queue holds plus those that finished and so freed their place; and every
// accepted job then succeeds.
func TestFloodBeyondTheQueue(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Addr, cfg.EventsAddr, cfg.DataDir, cfg.Auth = "127.0.0.1:0", "127.0.0.1:0", t.TempDir(), false
	cfg.Workers, cfg.QueueSize, cfg.ShutdownTimeout = 2, 8, 5*time.Second
	cfg.JobTypes = jobtypes.Config{Second: 20 * time.Millisecond, OrderStep: time.Millisecond}
	cfg.Logger = slog.New(slog.DiscardHandler)
	sys, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Shutdown(context.Background()) })
	base := "http://" + sys.Addr()

	f := flood(t, base, 50*cfg.QueueSize, 16, `{"seconds":25}`) // 0.5 s each
	finished := 0
	for _, id := range f.accepted {
		if j, err := getJob(base, id, ""); err != nil {
			t.Fatal(err)
		} else if j.terminal() {
			finished++
		}
	}
	t.Logf("%d POSTs: %d accepted, %d refused with 503; %d of the accepted had finished by the end", f.sent, len(f.accepted), f.refused, finished)
	checkFlood(t, f, cfg.QueueSize, finished)
	for _, id := range f.accepted {
		if j := waitSuccess(t, base, id); j.Results == nil {
			t.Errorf("job %s succeeded without results", id)
		}
	}
}

// memoryBound is how much jobsd's resident memory may grow (peak against
// the warmed-up level) under TestFloodMemoryStaysBounded's flood:
//
//	floodClients × 256 KiB  the connections in flight: goroutine stacks,
//	                        bufio buffers, request bodies, JSON decoding,
//	                        problem encoding (well under 64 KiB each)
//	+ floodQueue × 64 KiB   the accepted jobs: queue entries, invocation
//	                        payloads, stored jobs (a few KiB each)
//	+ 32 MiB                GC headroom (GOGC=100 lets the heap double),
//	                        bbolt's dirty pages and mmap, runtime slack.
//
// = 50 MiB. Measured on the 2-core machine of this repository: under 3 MiB,
// as the warm-up already brought the connections and the store to their
// working size. The slack is that large so that a noisy machine cannot make
// the test flaky; what the bound rules out is growth with the size of the
// flood (10,000 requests: any per-request retention over ~5 KiB would
// exceed it) and a queue that grows past its bound.
const (
	floodClients = 64
	floodQueue   = 32
	floodSize    = 10000
	memoryBound  = floodClients*256<<10 + floodQueue*64<<10 + 32<<20
)

// TestFloodMemoryStaysBounded runs jobsd, as built, with a small queue and
// 1-second jobs, warms it up, then floods it with floodSize POSTs from
// floodClients concurrent connections. It asserts the same answers as
// TestFloodBeyondTheQueue and that the peak resident set of the process
// (VmHWM in /proc) stays within memoryBound of its level before the flood.
func TestFloodMemoryStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs jobsd")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads the resident set from /proc")
	}
	t.Parallel()
	bin := jobsdtest.Build(t)
	var logs syncbuf.Buffer
	cmd, base := jobsdtest.Start(t, bin, &logs, "--addr", "127.0.0.1:0", "--events-addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--workers", "8", "--queue-size", strconv.Itoa(floodQueue), "--auth", "none", "--log-level", "error")

	// Warm up: the store, the pools and the connections reach their working size.
	warm := flood(t, base, 500, floodClients, `{"type":"noop"}`)
	for _, id := range warm.accepted {
		waitSuccess(t, base, id)
	}
	before := procStatus(t, cmd.Process.Pid, "VmRSS")

	start := time.Now()
	f := flood(t, base, floodSize, floodClients, `{"seconds":1}`)
	took := time.Since(start)
	peak := procStatus(t, cmd.Process.Pid, "VmHWM")
	finished := 0
	for _, id := range f.accepted {
		if j, err := getJob(base, id, ""); err != nil {
			t.Fatal(err)
		} else if j.terminal() {
			finished++
		}
	}
	t.Logf("%d POSTs in %s: %d accepted, %d refused with 503; resident set %d MiB before, peak %d MiB: +%.1f MiB (bound %d MiB)",
		f.sent, took.Round(time.Millisecond), len(f.accepted), f.refused, before>>20, peak>>20, float64(peak-before)/(1<<20), memoryBound>>20)
	checkFlood(t, f, floodQueue, finished)
	if lines := strings.Count(logs.String(), "\n"); lines > 0 {
		t.Logf("jobsd logged %d lines at level error during the test (one per 503), e.g. %s", lines, strings.SplitN(logs.String(), "\n", 2)[0])
	}
	if peak-before > memoryBound {
		t.Errorf("the resident set grew by %d MiB under the flood, more than the bound of %d MiB", (peak-before)>>20, memoryBound>>20)
	}
	for _, id := range f.accepted {
		waitSuccess(t, base, id)
	}
}

// TestConnectionLimitAnswers503 checks limitListener: with its n
// connections busy, a new connection gets a complete 503 problem with
// Retry-After; with its n refusals also in progress, a new connection is
// closed at once; once the busy connections end, requests are served again.
func TestConnectionLimitAnswers503(t *testing.T) {
	t.Parallel()
	const n = 2
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ll := newLimitListener(ln, n, 3*time.Second)
	ll.grace = time.Minute // silent clients below hold their refusals until they close
	entered, release := make(chan struct{}), make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			entered <- struct{}{}
			<-release
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go srv.Serve(ll)
	t.Cleanup(func() { srv.Close() })
	url := "http://" + ln.Addr().String()

	var blocked sync.WaitGroup
	for range n {
		blocked.Go(func() {
			if resp, err := http.Get(url + "/block"); err == nil {
				resp.Body.Close()
			}
		})
		<-entered
	}
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	for i := range 5 {
		resp, err := fresh.Get(url + "/")
		if err != nil {
			t.Fatalf("request %d beyond the limit: %v, want a 503", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var p struct{ Status int }
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "3" ||
			resp.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(body, &p) != nil || p.Status != 503 {
			t.Fatalf("beyond the limit: %d %v %s, want a 503 problem with Retry-After: 3", resp.StatusCode, resp.Header, body)
		}
		waitFor(t, "the refusal to end", func() bool { return len(ll.refusals) == 0 })
	}

	// Clients that never send a request hold every refusal.
	for range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	waitFor(t, "the silent clients to hold every refusal", func() bool { return len(ll.refusals) == n })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if got, err := io.ReadAll(c); len(got) != 0 || isTimeout(err) {
		t.Fatalf("beyond the limit and the refusals: read %q, %v; want the connection closed at once", got, err)
	}

	close(release)
	blocked.Wait()
	for i := range 3 {
		resp, err := http.Get(url + "/")
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("request %d after the busy connections ended: %v %v, want 204", i, resp, err)
		}
		resp.Body.Close()
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// floodResult is what a flood got back.
type floodResult struct {
	sent     int
	accepted []string
	refused  int
	wrong    []string // any other answer
}

// flood POSTs body total times from clients concurrent connections.
func flood(t *testing.T, base string, total, clients int, body string) floodResult {
	t.Helper()
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	var f floodResult
	next := make(chan struct{}, total)
	for range total {
		next <- struct{}{}
	}
	close(next)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range next {
				status, header, raw, err := postJob(client, base, body)
				mu.Lock()
				f.sent++
				var j overloadJob
				switch {
				case err != nil:
					f.wrong = append(f.wrong, err.Error())
				case status == http.StatusAccepted && json.Unmarshal(raw, &j) == nil && j.ID != "":
					f.accepted = append(f.accepted, j.ID)
				case status == http.StatusServiceUnavailable && retryAfter(header) >= 1 &&
					header.Get("Content-Type") == "application/problem+json":
					f.refused++
				default:
					f.wrong = append(f.wrong, fmt.Sprintf("%d Retry-After %q %s", status, header.Get("Retry-After"), raw))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return f
}

// checkFlood asserts the answers to a flood: only 202s and 503s with
// Retry-After; the queue filled; no more accepted than the queue holds plus
// the jobs that had finished by the end, each of which freed one place.
func checkFlood(t *testing.T, f floodResult, queue, finished int) {
	t.Helper()
	if len(f.wrong) > 0 {
		t.Errorf("%d answers were neither 202 nor 503 with Retry-After, e.g. %s", len(f.wrong), f.wrong[0])
	}
	if f.refused == 0 {
		t.Errorf("no 503 in %d POSTs against a queue of %d", f.sent, queue)
	}
	if len(f.accepted) < queue {
		t.Errorf("%d accepted: the queue of %d was never full", len(f.accepted), queue)
	}
	if len(f.accepted) > queue+finished {
		t.Errorf("%d accepted with a queue of %d and %d finished jobs: the queue bound was exceeded", len(f.accepted), queue, finished)
	}
}

type overloadJob struct {
	ID      string          `json:"id"`
	Status  string          `json:"status"`
	Results json.RawMessage `json:"results"`
}

func (j overloadJob) terminal() bool {
	return j.Status == "Success" || j.Status == "Failure" || j.Status == "Cancelled"
}

func postJob(client *http.Client, base, body string) (int, http.Header, []byte, error) {
	resp, err := client.Post(base+"/jobs", "application/json", strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw, err
}

func retryAfter(h http.Header) int {
	n, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil {
		return 0
	}
	return n
}

func getJob(base, id, query string) (overloadJob, error) {
	resp, err := http.Get(base + "/jobs/" + id + query)
	if err != nil {
		return overloadJob{}, err
	}
	defer resp.Body.Close()
	var j overloadJob
	if resp.StatusCode != http.StatusOK {
		return j, fmt.Errorf("GET job %s: %d", id, resp.StatusCode)
	}
	return j, json.NewDecoder(resp.Body).Decode(&j)
}

// waitSuccess long-polls an accepted job until it is terminal; it must succeed.
func waitSuccess(t *testing.T, base, id string) overloadJob {
	t.Helper()
	for range 24 { // 2 minutes: a guard against a hang, not a measure
		j, err := getJob(base, id, "?wait=5")
		if err != nil {
			t.Fatalf("accepted job %s: %v", id, err)
		}
		if j.terminal() {
			if j.Status != "Success" {
				t.Errorf("accepted job %s ended %s", id, j.Status)
			}
			return j
		}
	}
	t.Fatalf("accepted job %s never finished", id)
	return overloadJob{}
}

// waitFor polls cond until it holds; the guard only catches a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 20 s for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// procStatus reads a size field (in kB) of /proc/<pid>/status, in bytes.
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q: %v", field, line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
