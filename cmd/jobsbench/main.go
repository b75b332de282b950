// Command jobsbench measures jobsd in one run, against a bare gin baseline:
// the durable submit rate, the GET rate with N jobs stored, end-to-end noop
// jobs per second, push latency to 1,000 WebSocket subscribers, each
// following its own jobs' channels, and jobsd's memory per subscriber at
// 10,000. It builds jobsd and starts it, and the baseline (its own
// baseline-server subcommand), as child processes on free ports with a
// temporary data directory, drives both with the same HTTP load generator,
// prints a table of the figures with their ratio to the baseline and the
// targets of issue 12, and writes them as JSON.
//
//	go run ./cmd/jobsbench [-duration 10s] [-stored 1000000] [-out bench-results.json]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// config is what the flags set.
type config struct {
	duration       time.Duration // of each HTTP load phase and push phase
	conns          int           // HTTP connections of the load generator
	stored         int           // jobs stored during the GET phase
	subscribers    int           // WebSocket subscribers during the push phase
	pushRate       int           // order jobs a second in the push phase
	orderStep      time.Duration // jobsd's --order-step
	memSubscribers int           // WebSocket subscribers of the memory phase
	out            string        // the JSON file
	jobsd          string        // a jobsd binary; empty: build ./cmd/jobsd
	wrk            bool          // check the generator against wrk on the baseline, if installed
	phases         phaseSet      // the phases to run
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "baseline-server" {
		if err := serveBaseline(); err != nil {
			fmt.Fprintln(os.Stderr, "jobsbench baseline-server:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "jobsbench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (config, map[string]string, error) {
	var c config
	fs := flag.NewFlagSet("jobsbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long each load and push phase lasts")
	fs.IntVar(&c.conns, "conns", 64, "keep-alive HTTP connections of the load generator")
	fs.IntVar(&c.stored, "stored", 1_000_000, "jobs stored while GET is measured")
	fs.IntVar(&c.subscribers, "subscribers", 1000, "WebSocket subscribers while push latency is measured")
	fs.IntVar(&c.pushRate, "push-rate", 200, "order jobs submitted a second while push latency is measured")
	fs.DurationVar(&c.orderStep, "order-step", 100*time.Millisecond, "jobsd's --order-step: the pause between an order's events")
	fs.IntVar(&c.memSubscribers, "mem-subscribers", 10_000, "WebSocket subscribers while memory is measured")
	fs.StringVar(&c.out, "out", "bench-results.json", "where to write the results as JSON")
	fs.StringVar(&c.jobsd, "jobsd", "", "a jobsd binary to measure (default: build ./cmd/jobsd)")
	fs.BoolVar(&c.wrk, "wrk", true, "also drive the baseline with wrk, if installed, to check the load generator")
	phases := fs.String("phases", strings.Join(allPhases, ","), "the phases to run, comma-separated, of "+strings.Join(allPhases, ", "))
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	var err error
	if c.phases, err = parsePhases(*phases); err != nil {
		return c, nil, err
	}
	if fs.NArg() > 0 || c.duration < time.Second || c.conns < 1 || c.stored < 1000 || c.subscribers < 1 ||
		c.pushRate < 1 || c.memSubscribers < 1 {
		return c, nil, fmt.Errorf("bad flags %q: see -help", args)
	}
	set := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) { set[f.Name] = f.Value.String() })
	return c, set, nil
}

// bench holds what the phases share.
type bench struct {
	cfg    config
	tmp    string
	log    io.Writer
	jobsd  *child
	api    string // jobsd's host:port
	events *events
	client *http.Client
	ids    []string // jobs that got a 202
}

// results is the JSON file.
type results struct {
	Machine     machine           `json:"machine"`
	Flags       map[string]string `json:"flags"`
	Figures     []figure          `json:"figures"`
	HTTP        httpPhases        `json:"http"`
	Wrk         wrkRates          `json:"wrk"` // the baseline phases driven by wrk -t1 instead
	EndToEnd    endToEnd          `json:"endToEnd"`
	Push        pushResult        `json:"push"`
	Memory      memoryResult      `json:"memory"`
	WallSeconds float64           `json:"wallSeconds"`
}

type httpPhases struct {
	BaselinePost phase `json:"baselinePost"`
	BaselineGet  phase `json:"baselineGet"`
	Submit       phase `json:"submit"`
	SubmitHeld   phase `json:"submitHeldBack"`
	Get          phase `json:"get"`
}

// wrkRates are zero when wrk was not run.
type wrkRates struct {
	Post float64 `json:"post"`
	Get  float64 `json:"get"`
}

// endToEnd: the jobs accepted in the submit phase, from its start to the
// latest finishedAt among them.
type endToEnd struct {
	Jobs    int     `json:"jobs"`
	Seconds float64 `json:"seconds"`
	Rate    float64 `json:"jobsPerSecond"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	started := time.Now()
	cfg, flags, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if err := raiseOpenFiles(uint64(cfg.memSubscribers + cfg.conns + 1024)); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "jobsbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	b := &bench{cfg: cfg, tmp: tmp, log: stderr, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	if b.cfg.jobsd == "" {
		fmt.Fprintln(stderr, "building jobsd")
		if b.cfg.jobsd, err = buildJobsd(tmp); err != nil {
			return err
		}
	}
	res := results{Machine: describeMachine(), Flags: flags}
	if cfg.phases[phaseBaseline] {
		if err := b.baseline(&res); err != nil {
			return err
		}
	}
	if err := b.measureJobsd(ctx, &res); err != nil {
		return fmt.Errorf("%w (jobsd's log: %s)", err, tail(filepath.Join(tmp, "jobsd.log")))
	}
	if cfg.phases[phaseHeld] {
		if err := b.heldBack(&res); err != nil {
			return fmt.Errorf("%w (jobsd's log: %s)", err, tail(filepath.Join(tmp, "jobsd-held.log")))
		}
	}
	res.Figures = cfg.phases.only(phaseFigures(cfg, res))
	res.WallSeconds = time.Since(started).Seconds()
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(cfg.out, append(data, '\n'), 0o644); err != nil {
		return err
	}
	report(stdout, res)
	return nil
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	data, _ := os.ReadFile(path)
	s := strings.TrimSpace(string(data))
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	if s == "" {
		return "empty"
	}
	return s
}
