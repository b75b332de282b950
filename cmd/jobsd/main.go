// Command jobsd runs the whole async jobs system in one process: the HTTP
// API, the durable store, the invoker with Lambda's async semantics, the
// processor, the error handler, the failure archive and an
// AppSync-Events-compatible endpoint. `jobsd replay` replays the archive of a
// stopped jobsd.
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
		return replay(context.Background(), args[1:], stdout, stderr)
	}
	logs := newLogWriter(stderr)
	defer logs.Close()
	s, logger, err := serveConfig(args, logs)
	if err != nil {
		return err
	}
	sys, profiles, err := start(s, stdout)
	if err != nil {
		return err
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)
	var served error
	select {
	case sig := <-signals:
		logger.Info("shutting down", "signal", sig.String(), "timeout", s.ShutdownTimeout)
	case served = <-sys.Done():
		logger.Error("the API stopped serving", "err", served)
	}
	if err := sys.Shutdown(context.Background()); err != nil {
		logger.Warn("shutdown was not clean; unfinished jobs run again at the next start", "err", err)
	}
	if profiles != nil {
		profiles.Close()
	}
	logger.Info("stopped")
	return served
}

// start starts the profiler if --pprof-addr asks for it (nil if not), then
// the system, and prints the banner.
func start(s settings, stdout io.Writer) (*local.System, *profiler, error) {
	var profiles *profiler
	profilesURL := ""
	if s.pprofAddr != "" {
		var err error
		if profiles, err = startProfiler(s.pprofAddr); err != nil {
			return nil, nil, err
		}
		profilesURL = profiles.URL()
	}
	sys, err := local.Start(s.Config)
	if err != nil {
		if profiles != nil {
			profiles.Close()
		}
		return nil, nil, err
	}
	printEndpoints(stdout, sys, s, profilesURL)
	return sys, profiles, nil
}
