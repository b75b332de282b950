package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// eventsAPIKey is the API key the benchmark gives jobsd's events endpoint.
const eventsAPIKey = "da2-jobsbench"

var (
	apiLine      = regexp.MustCompile(`API\s+http://(\S+)/jobs`)
	realtimeLine = regexp.MustCompile(`Realtime\s+(wss://\S+)`)
	caLine       = regexp.MustCompile(`CA\s+(\S+)`)
)

// buildJobsd builds ./cmd/jobsd with the go command, as `go build` would.
func buildJobsd(tmp string) (string, error) {
	bin := filepath.Join(tmp, "jobsd")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/asyncjobs/asyncjobs/cmd/jobsd").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build jobsd: %w\n%s", err, out)
	}
	return bin, nil
}

// startJobsd starts jobsd on free ports with a new data directory, without
// auth and with warnings only in its log (every request is logged at info).
func (b *bench) startJobsd(name string, extra ...string) (*child, error) {
	dataDir := filepath.Join(b.tmp, "data-"+name)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	c, got, err := startChild(b.cfg.jobsd, append([]string{
		"--addr", "127.0.0.1:0", "--events-addr", "127.0.0.1:0", "--data-dir", dataDir,
		"--auth", "none", "--events-api-key", eventsAPIKey, "--log-level", "warn",
		"--order-step", b.cfg.orderStep.String(),
		// Room for the subscribers of the memory phase or of the push phase.
		"--events-max-connections", strconv.Itoa(max(b.cfg.memSubscribers, b.cfg.subscribers) + 100),
	}, extra...), filepath.Join(b.tmp, name+".log"), apiLine, realtimeLine, caLine)
	if err != nil {
		return nil, err
	}
	b.jobsd, b.api = c, got[0]
	b.events, err = newEvents(got[1], got[2], eventsAPIKey)
	return c, err
}

var noopRequest = `{"type":"noop"}`

// submit drives POST /jobs {"type":"noop"} for the phase's duration and
// returns the id of every job that got a 202.
func (b *bench) submit(name string) (phase, []string, error) {
	req := postRequest(b.api, "/jobs", noopRequest)
	ids := make([][]string, b.cfg.conns)
	p, err := measure(name, b.jobsd.pid(), 202, load{
		addr: b.api, conns: b.cfg.conns, until: time.Now().Add(b.cfg.duration),
		next: func(_ int, buf []byte) ([]byte, bool) { return append(buf, req...), true },
		seen: func(w, status int, body []byte) {
			if status == 202 {
				ids[w] = append(ids[w], field(body, "id"))
			}
		},
	})
	return p, slices.Concat(ids...), err
}

// seed submits jobs until n have been accepted, n in all, as fast as the
// server takes them.
func (b *bench) seed(n int) error {
	req := postRequest(b.api, "/jobs", noopRequest)
	for len(b.ids) < n {
		var budget atomic.Int64
		budget.Store(int64(n - len(b.ids)))
		ids := make([][]string, b.cfg.conns)
		res := load{
			addr: b.api, conns: b.cfg.conns,
			next: func(_ int, buf []byte) ([]byte, bool) { return append(buf, req...), budget.Add(-1) >= 0 },
			seen: func(w, status int, body []byte) {
				if status == 202 {
					ids[w] = append(ids[w], field(body, "id"))
				}
			},
		}.run()
		if res.Status[202] == 0 {
			return fmt.Errorf("seeding: no job accepted (status %v, last error %v)", res.Status, res.LastErr)
		}
		b.ids = append(b.ids, slices.Concat(ids...)...)
	}
	// The invoker's queue is first in, first out: once the last jobs are
	// done, the processor is idle again.
	_, err := b.finish(b.ids[max(len(b.ids)-1000, 0):], 5*time.Minute)
	return err
}

// finish GETs every job in ids until all are Success, and returns the
// latest finishedAt among them. A job that ends otherwise is an error.
func (b *bench) finish(ids []string, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	var last time.Time
	for len(ids) > 0 {
		var next atomic.Int64
		current := make([]int, b.cfg.conns)
		done := make([]bool, len(ids))
		lastOf := make([]time.Time, b.cfg.conns)
		failed := make([]string, b.cfg.conns)
		load{
			addr: b.api, conns: b.cfg.conns,
			next: func(w int, buf []byte) ([]byte, bool) {
				i := int(next.Add(1) - 1)
				if i >= len(ids) {
					return buf, false
				}
				current[w] = i
				return appendGet(buf, b.api, "/jobs/", ids[i]), true
			},
			seen: func(w, status int, body []byte) {
				switch st := field(body, "status"); {
				case status == 200 && st == "Success":
					done[current[w]] = true
					if t, err := time.Parse(time.RFC3339Nano, field(body, "finishedAt")); err == nil && t.After(lastOf[w]) {
						lastOf[w] = t
					}
				case status != 200 || st == "Failure" || st == "Cancelled":
					failed[w] = fmt.Sprintf("job %s: %d %s", ids[current[w]], status, body)
				}
			},
		}.run()
		for w := range lastOf {
			if failed[w] != "" {
				return last, fmt.Errorf("a job did not succeed: %s", failed[w])
			}
			if lastOf[w].After(last) {
				last = lastOf[w]
			}
		}
		var pending []string
		for i, id := range ids {
			if !done[i] {
				pending = append(pending, id)
			}
		}
		if ids = pending; len(ids) > 0 {
			if time.Now().After(deadline) {
				return last, fmt.Errorf("%d jobs not Success after %s", len(ids), timeout)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return last, nil
}

// get drives GET /jobs/{id} of random stored jobs for the phase's duration.
func (b *bench) get(name string, pid int, host string, ids []string) (phase, error) {
	rngs := make([]*rand.Rand, b.cfg.conns)
	for w := range rngs {
		rngs[w] = rand.New(rand.NewPCG(uint64(w), 42))
	}
	return measure(name, pid, 200, load{
		addr: host, conns: b.cfg.conns, until: time.Now().Add(b.cfg.duration),
		next: func(w int, buf []byte) ([]byte, bool) {
			return appendGet(buf, host, "/jobs/", ids[rngs[w].IntN(len(ids))]), true
		},
	})
}

// field returns the string member name of a flat JSON object, as jobsd and
// the baseline write them (no space after the colon, no escapes in values).
func field(body []byte, name string) string {
	_, rest, ok := bytes.Cut(body, []byte(`"`+name+`":"`))
	value, _, closed := bytes.Cut(rest, []byte(`"`))
	if !ok || !closed {
		return ""
	}
	return string(value)
}
