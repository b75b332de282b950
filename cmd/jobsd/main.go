// Command jobsd runs the whole async jobs system in one process: the HTTP
// API, the durable store, the invoker with Lambda's async semantics, the
// processor, the error handler and the failure archive. `jobsd replay`
// replays archived failure events to the error handler.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/local"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "jobsd:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "replay" {
		return replay(args[1:], stdout, stderr)
	}
	cfg, logger, err := serveConfig(args, stderr)
	if err != nil {
		return err
	}
	sys, err := local.Start(cfg)
	if err != nil {
		return err
	}
	printEndpoints(stdout, sys, cfg)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)
	var served error
	select {
	case sig := <-signals:
		logger.Info("shutting down", "signal", sig.String(), "timeout", cfg.ShutdownTimeout)
	case served = <-sys.Done():
		logger.Error("the API stopped serving", "err", served)
	}
	if err := sys.Shutdown(context.Background()); err != nil {
		logger.Warn("shutdown was not clean; unfinished jobs run again at the next start", "err", err)
	}
	logger.Info("stopped")
	return served
}

func printEndpoints(w io.Writer, sys *local.System, cfg local.Config) {
	base := "http://" + sys.Addr()
	events := "https://" + sys.EventsAddr() + "/event"
	fmt.Fprintf(w, `jobsd is running
  API       %[1]s/jobs        POST a job, GET or DELETE /jobs/{id}
  OpenAPI   %[1]s/openapi.json
  Health    %[1]s/healthz
  Events    %[2]s   (AppSync Events: HTTP publish)
  Realtime  wss://%[3]s/event/realtime   (subscribe to /%[4]s/{id} or /%[4]s/*)
  API key   %[5]s
  CA        %[6]s   (trust it: NODE_EXTRA_CA_CERTS, or your browser's certificate settings)
  Data      %[7]s
Try:
  curl -i -X POST %[1]s/jobs -H 'content-type: application/json' -d '{"seconds":1}'
`, base, events, sys.EventsAddr(), cfg.EventsNamespace, cfg.EventsAPIKey, sys.CAFile(), cfg.DataDir)
}

func replay(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("jobsd replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "./data", "the data directory of a stopped jobsd (env JOBS_DATA_DIR)")
	from := fs.String("from", "", "replay events archived at or after this RFC 3339 time (required)")
	to := fs.String("to", "", "replay events archived before this RFC 3339 time (default: now)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: jobsd replay --from TIME [--to TIME] [--data-dir DIR]\n\nSends archived failure events to the error handler again. Stop jobsd first.")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, map[string]string{"data-dir": "JOBS_DATA_DIR"}); err != nil {
		return err
	}
	start, err := time.Parse(time.RFC3339, *from)
	if err != nil {
		return fmt.Errorf("--from must be an RFC 3339 time such as 2026-01-02T15:04:05Z: %w", err)
	}
	end := time.Now()
	if *to != "" {
		if end, err = time.Parse(time.RFC3339, *to); err != nil {
			return fmt.Errorf("--to must be an RFC 3339 time: %w", err)
		}
	}
	if !start.Before(end) {
		return fmt.Errorf("--from (%s) must be before --to (%s)", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	report, err := local.Replay(context.Background(), *dataDir, start, end, jobs.SystemClock{}, logger)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "replayed %d events, %d refused again\n", report.Replayed, report.Failed)
	if report.Failed > 0 {
		return fmt.Errorf("%d events were refused; they stay in the archive", report.Failed)
	}
	return nil
}
