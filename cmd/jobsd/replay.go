package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/envflag"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/local"
)

// replay sends the failure events a stopped jobsd archived to its error
// handler again, as an EventBridge archive replay does in AWS.
func replay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("jobsd replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", local.DefaultConfig().DataDir, "the data directory of the stopped jobsd (env JOBS_DATA_DIR)")
	var from, to time.Time
	fs.Func("from", "replay events archived at or after this RFC 3339 time (required)", rfc3339(&from))
	fs.Func("to", "replay events archived before this RFC 3339 time (default: now)", rfc3339(&to))
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: jobsd replay --from TIME [--to TIME] [--data-dir DIR]

Sends the failure events archived by a stopped jobsd to its error handler
again (stop jobsd first: it holds the files). In AWS, replay the failure bus's archive:
  aws events start-replay --replay-name NAME --event-source-arn ARCHIVE_ARN \
    --event-start-time FROM --event-end-time TO --destination Arn=BUS_ARN`)
		fs.PrintDefaults()
	}
	if err := envflag.Parse(fs, args, map[string]string{"data-dir": "JOBS_DATA_DIR"}); err != nil {
		return err
	}
	if from.IsZero() {
		fs.Usage()
		return errors.New("replay: --from is required")
	}
	if to.IsZero() {
		to = time.Now()
	}
	if !from.Before(to) {
		return fmt.Errorf("--from (%s) must be before --to (%s)", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	report, err := local.Replay(ctx, *dataDir, from, to, jobs.SystemClock{}, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "replayed %d events, %d refused again\n", report.Replayed, report.Failed)
	if report.Failed > 0 {
		return fmt.Errorf("%d events were refused; they stay in the archive", report.Failed)
	}
	return nil
}

// rfc3339 parses a flag's RFC 3339 time into t.
func rfc3339(t *time.Time) func(string) error {
	return func(s string) error {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return errors.New("want an RFC 3339 time such as 2026-01-02T15:04:05Z")
		}
		*t = v
		return nil
	}
}
