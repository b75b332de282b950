package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/jobsdtest"
)

// TestKilledJobsdLosesNoAcceptedJob kills jobsd with SIGKILL while jobs are
// Pending and Running, starts it again on the same data directory and checks
// that every job that got a 202 finishes, and that finished ones never change.
func TestKilledJobsdLosesNoAcceptedJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs jobsd")
	}
	bin := jobsdtest.Build(t)
	dataDir := t.TempDir()
	args := []string{"--addr", "127.0.0.1:0", "--events-addr", "127.0.0.1:0", "--data-dir", dataDir, "--workers", "2", "--log-level", "warn", "--auth", "none"}

	// Slow steps keep the first orders Running long enough to be seen so.
	cmd, base := jobsdtest.Start(t, bin, os.Stderr, append(args, "--order-step", "1s")...)
	finished := post(t, base, `{"type":"noop"}`)
	before := waitTerminal(t, base, finished)
	var ids []string
	for i := range 8 {
		ids = append(ids, post(t, base, fmt.Sprintf(`{"type":"order","parameters":{"orderId":"o-%d"}}`, i)))
	}
	// Kill it while the first orders are running and the rest are queued.
	waitStatus(t, base, ids[0], "Running")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	_, base = jobsdtest.Start(t, bin, os.Stderr, append(args, "--order-step", "10ms")...)
	for _, id := range ids {
		if j := waitTerminal(t, base, id); j.Status != "Success" {
			t.Errorf("job %s after the crash: %s", id, j.Status)
		}
	}
	if after := get(t, base, finished); after.Seq != before.Seq || after.Status != before.Status {
		t.Errorf("a finished job changed across the crash: seq %d→%d, %s→%s", before.Seq, after.Seq, before.Status, after.Status)
	}
}

type job struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Seq    int64  `json:"seq"`
}

func post(t *testing.T, base, body string) string {
	t.Helper()
	resp, err := http.Post(base+"/jobs", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j job
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: %d %v", body, resp.StatusCode, err)
	}
	return j.ID
}

func get(t *testing.T, base, id string, query ...string) job {
	t.Helper()
	resp, err := http.Get(base + "/jobs/" + id + strings.Join(query, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var j job
	if err := json.Unmarshal(raw, &j); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", id, resp.StatusCode, raw)
	}
	return j
}

func waitTerminal(t *testing.T, base, id string) job {
	t.Helper()
	for range 12 {
		j := get(t, base, id, "?wait=5")
		switch j.Status {
		case "Success", "Failure", "Cancelled":
			return j
		}
	}
	t.Fatalf("job %s did not finish within a minute", id)
	return job{}
}

func waitStatus(t *testing.T, base, id, status string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for get(t, base, id).Status != status {
		if time.Now().After(deadline) {
			t.Fatalf("job %s never became %s", id, status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var crashSeed = flag.Uint64("crash-seed", 0, "the seed of TestRandomKillsLoseNothing; 0 takes one from the clock")

const (
	crashKills      = 5   // SIGKILLs under load
	crashSubmitters = 4   // concurrent clients posting jobs
	crashPerRound   = 150 // jobs each client posts between two kills, at most
	crashMaxErrors  = 20  // reported in full; the rest are counted
)

// TestRandomKillsLoseNothing is the crash test of issue 6. jobsd runs under
// load from concurrent submitters and an observer that reads jobs back; it
// is killed with SIGKILL at a random moment, restarted on the same data
// directory, five times, then restarted to finish everything, killed once
// more and restarted. The kill moments and the bodies come from a seed that
// the test logs (-crash-seed repeats them; the interleaving itself cannot be
// repeated). It checks, without any timing threshold:
//   - every id that got a 202 exists at every later read (never a 404) and
//     ends in Success, with the result its parameters determine;
//   - no change a client saw is lost: a job's seq never goes back;
//   - a job seen terminal never changes again, byte for byte, through
//     restarts and kills, including the last kill with nothing running;
//   - no job wrote a terminal state twice: for noop and fullname jobs (no
//     progress) seq is exactly attempts + 2 (created, one Running per
//     attempt, one terminal write); for order jobs seq >= attempts + 6.
//
// What it cannot see: a job's code running again after a kill that came
// before its result was committed (at-least-once delivery; the test counts
// such jobs, attempts > 1, but they are correct), and for order jobs a
// second terminal write that no read observed in between (their number of
// progress writes per attempt is not known). The shipped job types compute
// their result from their parameters alone, so two successful runs cannot
// differ in their results; a stored result other than the computed one,
// or any change after a terminal read, is what "two different results"
// would look like, and both are checked.
func TestRandomKillsLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs jobsd")
	}
	t.Parallel()
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d; repeat with: go test ./cmd/jobsd -run TestRandomKillsLoseNothing -args -crash-seed=%d", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	bin := jobsdtest.Build(t)
	dataDir := t.TempDir()
	args := func(workers int) []string {
		return []string{"--addr", "127.0.0.1:0", "--events-addr", "127.0.0.1:0", "--data-dir", dataDir,
			"--workers", strconv.Itoa(workers), "--order-step", "5ms", "--log-level", "error", "--auth", "none"}
	}
	l := &crashLedger{t: t, specs: map[string]jobSpec{}, last: map[string]crashJob{}, terminal: map[string][]byte{}}
	for round := range crashKills {
		cmd, base := jobsdtest.Start(t, bin, os.Stderr, args(4)...) // few workers: a backlog of Pending jobs at each kill
		killAfter := time.Duration(rng.IntN(1200)) * time.Millisecond
		l.underLoad(base, seed, round, killAfter, func() { kill(t, cmd) })
	}
	cmd, base := jobsdtest.Start(t, bin, os.Stderr, args(64)...)
	l.finish(base)
	kill(t, cmd)
	_, base = jobsdtest.Start(t, bin, os.Stderr, args(4)...)
	l.reread(base)
	l.report()
}

// jobSpec is what a submitter posted and the result that body must give.
type jobSpec struct {
	typ, body, result string
}

// newSpec picks a body: noop, fullname or order, with a unique name.
func newSpec(rng *rand.Rand, name string) jobSpec {
	switch n := rng.IntN(10); {
	case n < 5:
		return jobSpec{"noop", `{"type":"noop"}`, `{}`}
	case n < 8:
		return jobSpec{"fullname", fmt.Sprintf(`{"type":"fullname","parameters":{"name":"Ada","surname":"%s"}}`, name),
			fmt.Sprintf(`{"fullname":"Ada %s"}`, name)}
	default:
		return jobSpec{"order", fmt.Sprintf(`{"type":"order","parameters":{"orderId":"%s"}}`, name),
			fmt.Sprintf(`{"orderId":"%s","status":"DELIVERED"}`, name)}
	}
}

// crashJob is what the test reads of a job.
type crashJob struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Status   string          `json:"status"`
	Seq      int64           `json:"seq"`
	Attempts int             `json:"attempts"`
	Results  json.RawMessage `json:"results"`
	Progress *struct {
		Current int `json:"current"`
		Total   int `json:"total"`
	} `json:"progress"`
}

func (j crashJob) terminal() bool {
	return j.Status == "Success" || j.Status == "Failure" || j.Status == "Cancelled"
}

// crashLedger records every acknowledged job and every read of one.
type crashLedger struct {
	t        *testing.T
	mu       sync.Mutex
	ids      []string           // every id that got a 202, in order
	specs    map[string]jobSpec // by id
	last     map[string]crashJob
	terminal map[string][]byte // the first terminal read of each job, as sent
	reads    int
	refused  int // 503s
	errors   int
	kills    []time.Duration
}

func (l *crashLedger) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failLocked(format, args...)
}

func (l *crashLedger) failLocked(format string, args ...any) {
	l.t.Helper()
	if l.errors++; l.errors <= crashMaxErrors {
		l.t.Errorf(format, args...)
	}
}

// underLoad runs the submitters and the observer against base until kill,
// which comes after killAfter.
func (l *crashLedger) underLoad(base string, seed uint64, round int, killAfter time.Duration, kill func()) {
	ctx, cancel := context.WithCancel(context.Background())
	client := &http.Client{Timeout: 15 * time.Second}
	var wg sync.WaitGroup
	for i := range crashSubmitters {
		rng := rand.New(rand.NewPCG(seed, uint64(1+round*crashSubmitters+i)))
		wg.Go(func() { l.submit(ctx, client, base, rng, fmt.Sprintf("r%d-c%d", round, i)) })
	}
	wg.Go(func() { l.observe(ctx, client, base, rand.New(rand.NewPCG(seed, uint64(1000+round)))) })
	time.Sleep(killAfter)
	kill()
	cancel()
	wg.Wait()
	client.CloseIdleConnections()
	l.mu.Lock()
	l.kills = append(l.kills, killAfter)
	l.mu.Unlock()
}

// submit posts up to crashPerRound jobs. A request cut off by the kill is
// not acknowledged and not tracked; a 503 is allowed; anything else but a
// 202 is a failure.
func (l *crashLedger) submit(ctx context.Context, client *http.Client, base string, rng *rand.Rand, name string) {
	for k := 0; k < crashPerRound && ctx.Err() == nil; k++ {
		spec := newSpec(rng, fmt.Sprintf("%s-%d", name, k))
		resp, err := client.Post(base+"/jobs", "application/json", strings.NewReader(spec.body))
		if err != nil {
			return // killed
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		var j crashJob
		switch {
		case err != nil:
			return // killed while answering: not acknowledged
		case resp.StatusCode == http.StatusServiceUnavailable:
			l.mu.Lock()
			l.refused++
			l.mu.Unlock()
			continue
		case resp.StatusCode != http.StatusAccepted || json.Unmarshal(raw, &j) != nil || j.ID == "":
			l.fail("POST %s: %d %s, want 202 with a job", spec.body, resp.StatusCode, raw)
			return
		}
		l.mu.Lock()
		if _, dup := l.specs[j.ID]; dup {
			l.failLocked("POST %s: id %s was already given to another job", spec.body, j.ID)
		}
		l.specs[j.ID] = spec
		l.ids = append(l.ids, j.ID)
		l.mu.Unlock()
		l.record(j, compact(raw))
	}
}

// observe reads acknowledged jobs at random until the kill. One observer
// runs at a time, so its reads are recorded in the order they happened.
func (l *crashLedger) observe(ctx context.Context, client *http.Client, base string, rng *rand.Rand) {
	for ctx.Err() == nil {
		l.mu.Lock()
		n := len(l.ids)
		var id string
		if n > 0 {
			id = l.ids[rng.IntN(n)]
		}
		l.mu.Unlock()
		if id == "" {
			time.Sleep(time.Millisecond)
			continue
		}
		j, raw, status, err := read(client, base, id, "")
		if err != nil {
			return // killed
		}
		if status != http.StatusOK {
			l.fail("GET acknowledged job %s: %d %s", id, status, raw)
			continue
		}
		l.record(j, raw)
	}
}

// record checks one read of a job against the earlier ones.
func (l *crashLedger) record(j crashJob, raw []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads++
	if prev, ok := l.last[j.ID]; ok && j.Seq < prev.Seq {
		l.failLocked("job %s went back from seq %d (%s) to seq %d (%s): a change a client saw was lost",
			j.ID, prev.Seq, prev.Status, j.Seq, j.Status)
	} else {
		l.last[j.ID] = j
	}
	if first, ok := l.terminal[j.ID]; ok {
		if !bytes.Equal(first, raw) {
			l.failLocked("job %s changed after it was seen terminal:\nfirst %s\nlater %s", j.ID, first, raw)
		}
	} else if j.terminal() {
		l.terminal[j.ID] = raw
	}
}

// finish waits for every acknowledged job to be terminal and checks each.
func (l *crashLedger) finish(base string) {
	client := &http.Client{Timeout: 15 * time.Second}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(2 * time.Minute) // a guard against a hang, not a measure
	for _, id := range l.ids {
		for {
			j, raw, status, err := read(client, base, id, "?wait=5")
			if err != nil || status != http.StatusOK {
				l.fail("GET acknowledged job %s after the kills: %d %s %v", id, status, raw, err)
				break
			}
			l.record(j, raw)
			if j.terminal() {
				l.check(j)
				break
			}
			if time.Now().After(deadline) {
				l.fail("job %s is still %s two minutes after the last restart", id, j.Status)
				return
			}
		}
	}
}

// check asserts what a finished job must be.
func (l *crashLedger) check(j crashJob) {
	spec := l.specs[j.ID]
	var got, want any
	_ = json.Unmarshal(j.Results, &got)
	_ = json.Unmarshal([]byte(spec.result), &want)
	if j.Status != "Success" || j.Type != spec.typ || !reflect.DeepEqual(got, want) {
		l.fail("job %s (%s) ended %s with %s, want Success with %s", j.ID, spec.body, j.Status, j.Results, spec.result)
	}
	switch {
	case j.Attempts < 1:
		l.fail("job %s succeeded after %d attempts", j.ID, j.Attempts)
	case spec.typ != "order" && j.Seq != int64(j.Attempts)+2:
		l.fail("job %s: seq %d after %d attempts, want %d: a terminal state was written twice, or a write is missing",
			j.ID, j.Seq, j.Attempts, j.Attempts+2)
	case spec.typ == "order" && (j.Seq < int64(j.Attempts)+6 || j.Progress == nil || j.Progress.Current != 4 || j.Progress.Total != 4):
		l.fail("order %s: seq %d after %d attempts, progress %+v: want seq >= attempts + 6 and 4/4 steps", j.ID, j.Seq, j.Attempts, j.Progress)
	}
}

// reread reads every job once more after the last kill: none may have changed.
func (l *crashLedger) reread(base string) {
	client := &http.Client{Timeout: 15 * time.Second}
	defer client.CloseIdleConnections()
	for _, id := range l.ids {
		j, raw, status, err := read(client, base, id, "")
		if err != nil || status != http.StatusOK {
			l.fail("GET job %s after the last kill: %d %s %v", id, status, raw, err)
			continue
		}
		l.record(j, raw)
		if !j.terminal() {
			l.fail("job %s is %s again after a kill with nothing running", id, j.Status)
		}
	}
}

func (l *crashLedger) report() {
	reran := 0
	for _, j := range l.last {
		if j.Attempts > 1 {
			reran++
		}
	}
	l.t.Logf("kills after %v; %d jobs acknowledged, %d refused with 503, %d reads; %d jobs ran more than once (killed while running); %d failures",
		l.kills, len(l.ids), l.refused, l.reads, reran, l.errors)
	if len(l.ids) == 0 {
		l.t.Error("no job was acknowledged: the test exercised nothing")
	}
}

// read GETs a job; err is a transport error (jobsd is gone).
func read(client *http.Client, base, id, query string) (crashJob, []byte, int, error) {
	resp, err := client.Get(base + "/jobs/" + id + query)
	if err != nil {
		return crashJob{}, nil, 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return crashJob{}, nil, 0, err
	}
	var j crashJob
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &j); err != nil {
			return j, raw, resp.StatusCode, fmt.Errorf("decode job %s: %w", id, err)
		}
	}
	return j, compact(raw), resp.StatusCode, nil
}

func compact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// kill sends SIGKILL to jobsd, which must still be running.
func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Errorf("kill jobsd: %v (did it exit by itself?)", err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("jobsd ended with %v, want the kill", err)
	}
}
