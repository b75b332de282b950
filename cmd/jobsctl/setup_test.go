package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/local"
)

// jobsd is a jobsd started in-process for a test, and the flags that point
// jobsctl at it.
type jobsd struct {
	sys    *local.System
	cfg    local.Config
	api    []string // the flags of every command that calls the API
	events []string // and those of the commands that follow events
}

// startJobsd starts jobsd on free ports with fast job types; tune changes
// its configuration first.
func startJobsd(t *testing.T, tune ...func(*local.Config)) jobsd {
	t.Helper()
	cfg := local.DefaultConfig()
	cfg.Addr, cfg.EventsAddr, cfg.DataDir, cfg.EventsAPIKey = "127.0.0.1:0", "127.0.0.1:0", t.TempDir(), "da2-test"
	cfg.JobTypes = jobtypes.Config{Second: 20 * time.Millisecond, OrderStep: 100 * time.Millisecond}
	cfg.ShutdownTimeout = 100 * time.Millisecond
	cfg.Logger = slog.New(slog.DiscardHandler)
	for _, f := range tune {
		f(&cfg)
	}
	sys, err := local.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Shutdown(context.Background()) })
	return jobsd{
		sys: sys,
		cfg: cfg,
		// Without --ca-file: jobsctl trusts the local CA in --data-dir because
		// the events endpoint is on this machine.
		api: []string{"--endpoint", "http://" + sys.Addr(), "--region", cfg.Region, "--data-dir", cfg.DataDir},
		events: []string{
			"--events-endpoint", "https://" + sys.EventsAddr() + "/event", "--events-api-key", cfg.EventsAPIKey,
		},
	}
}

// args puts the flags that point at d after the command cmd, then args.
func (d jobsd) args(cmd string, args ...string) []string {
	out := append([]string{cmd}, d.api...)
	if cmd == "submit" || cmd == "watch" {
		out = append(out, d.events...)
	}
	return append(out, args...)
}

// run runs jobsctl cmd against d and returns what it wrote and its error.
func (d jobsd) run(cmd string, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = run(context.Background(), d.args(cmd, args...), &out, &errOut)
	return out.String(), errOut.String(), err
}

// submit submits a job with jobsctl and returns its id.
func (d jobsd) submit(t *testing.T, args ...string) string {
	t.Helper()
	out, _, err := d.run("submit", append([]string{"--output", "json"}, args...)...)
	if err != nil {
		t.Fatalf("submit %q: %v", args, err)
	}
	var j struct{ ID string }
	if err := json.Unmarshal([]byte(out), &j); err != nil || j.ID == "" {
		t.Fatalf("submit %q printed %q (%v), want the job", args, out, err)
	}
	return j.ID
}

func lines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }

// notifier is a Writer that closes seen once what was written contains want.
type notifier struct {
	want string
	seen chan struct{}
	mu   sync.Mutex
	buf  bytes.Buffer
}

func newNotifier(want string) *notifier { return &notifier{want: want, seen: make(chan struct{})} }

func (s *notifier) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	had := strings.Contains(s.buf.String(), s.want)
	s.buf.Write(p)
	if !had && strings.Contains(s.buf.String(), s.want) {
		close(s.seen)
	}
	return len(p), nil
}

func (s *notifier) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
