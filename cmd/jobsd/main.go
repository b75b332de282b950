// Command jobsd runs the whole async jobs system in one process: the HTTP
// API, the durable store, the invoker with Lambda's async semantics, the
// processor, the error handler, the failure archive and an
// AppSync-Events-compatible endpoint. `jobsctl replay` replays the archive.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
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
`, base, events, sys.EventsAddr(), cfg.EventsNamespace, cfg.EventsAPIKey, sys.CAFile(), cfg.DataDir)
	if !cfg.Auth {
		fmt.Fprintf(w, "Auth      none: every call acts as %s\nTry:\n  curl -i -X POST %s/jobs -H 'content-type: application/json' -d '{\"seconds\":1}'\n",
			cfg.Credentials[0].Principal, base)
		return
	}
	dev := cfg.Credentials[0]
	if dev.SecretAccessKey != sigv4.DevSecretAccessKey {
		dev.SecretAccessKey = "$JOBS_SECRET_ACCESS_KEY" // a real secret is not printed
	}
	fmt.Fprintf(w, `  SigV4     service execute-api, region %[1]s
            access key %[2]s  secret %[3]s  (%[4]s)
Try:
  curl -i --aws-sigv4 "aws:amz:%[1]s:execute-api" --user '%[2]s:%[3]s' \
    -X POST %[5]s/jobs -H 'content-type: application/json' -d '{"seconds":1}'
`, cfg.Region, dev.AccessKeyID, dev.SecretAccessKey, dev.Principal, base)
}
