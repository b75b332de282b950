package emf_test

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/testclock"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/metrics/emf"
	"github.com/asyncjobs/asyncjobs/metrics/emf/emftest"
)

func TestATimestampIsTheClocksMilliseconds(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	at := start.Add(1234567 * time.Microsecond)
	emf.New(&out, emf.DefaultNamespace, testclock.New(at)).Submitted("sleep")
	lines, err := emftest.Parse(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0].Timestamp != at.UnixMilli() || lines[0].Namespace != "AsyncJobs" {
		t.Errorf("got %+v, want one line at %d in AsyncJobs", lines, at.UnixMilli())
	}
}

func TestFailureRecordsHaveNoDimensions(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	m := emf.New(&out, emf.DefaultNamespace, testclock.New(start))
	m.FailureRecord(true)
	m.FailureRecord(false)
	lines, err := emftest.Parse(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, l.String())
	}
	want := []string{"FailureRecords=1 FailureRecordsUnhandled=0 {} / [[]]", "FailureRecords=1 FailureRecordsUnhandled=1 {} / [[]]"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines\n%q\nwant\n%q", got, want)
	}
}

// TestStringsAreJSON: a value is escaped as JSON, whatever it holds.
func TestStringsAreJSON(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{`a"b\c`, "tab\tnew\nline\x00", "ünï€ode", "bad \xff utf-8", "<html>&"} {
		var out bytes.Buffer
		emf.New(&out, emf.DefaultNamespace, testclock.New(start)).Submitted(typ)
		lines, err := emftest.Parse(out.Bytes())
		if err != nil {
			t.Fatalf("%q: %v", typ, err)
		}
		want := strings.ToValidUTF8(typ, "\uFFFD")
		if got := lines[0].Members[emf.DimensionType]; got != want {
			t.Errorf("Type %q, want %q", got, want)
		}
	}
}

// writes records each Write as it came.
type writes struct {
	mu    sync.Mutex
	calls []string
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, string(p))
	return len(p), nil
}

// TestEachLineIsOneWrite: from many goroutines, each line is one whole
// Write, so a writer that also takes other whole lines never splits one.
func TestEachLineIsOneWrite(t *testing.T) {
	t.Parallel()
	w := &writes{}
	m := emf.New(w, emf.DefaultNamespace, testclock.New(start))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				m.Finished("sleep", jobs.StatusSuccess, time.Duration(i)*time.Second, time.Minute)
			}
		})
	}
	wg.Wait()
	if len(w.calls) != 400 {
		t.Fatalf("%d writes, want 400", len(w.calls))
	}
	for _, call := range w.calls {
		if strings.Count(call, "\n") != 1 || !strings.HasSuffix(call, "\n") {
			t.Fatalf("a write is not one line: %q", call)
		}
		if _, err := emftest.Parse([]byte(call)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestValidNamespace(t *testing.T) {
	t.Parallel()
	for ns, want := range map[string]bool{
		"AsyncJobs": true, "AsyncJobs-prod": true, "Jobs/prod_1.#: x": true, strings.Repeat("a", 255): true,
		"": false, strings.Repeat("a", 256): false, ":jobs": false, "AWS/Lambda": false, "jobs\n": false, "jöbs": false, `a"b`: false,
	} {
		if got := emf.ValidNamespace(ns); got != want {
			t.Errorf("ValidNamespace(%q) = %v, want %v", ns, got, want)
		}
	}
}

// BenchmarkMeter is the cost of one moment: a line built and written.
func BenchmarkMeter(b *testing.B) {
	m := emf.New(io.Discard, emf.DefaultNamespace, jobs.SystemClock{})
	b.ReportAllocs()
	for b.Loop() {
		m.Finished("sleep", jobs.StatusSuccess, 1500*time.Millisecond, 3500*time.Millisecond)
	}
}
