// Command awslocal runs the synthesized AWS stack (infra/cdk.out) on this
// machine: the three Lambda bootstraps, built for this machine, under AWS's
// Lambda Runtime Interface Emulator with the template's environment, memory
// and timeout; dynalite with the template's table; API Gateway's stage with
// SigV4; Lambda's async Invoke with the template's retries and
// destinations; the EventBridge failure bus with its archive and re-drive
// rule. `make aws-local` synthesizes the stack first when needed.
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

	"github.com/asyncjobs/asyncjobs/internal/awslocal"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "awslocal:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	s, err := readSettings(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Fprintln(stdout, "awslocal: building the bootstraps and the emulator, starting the stack…")
	stack, err := awslocal.Start(ctx, s.Config)
	if err != nil {
		return err
	}
	printEndpoints(stdout, stack, s)
	var served error
	select {
	case <-ctx.Done():
		s.Logger.Info("shutting down")
	case served = <-stack.Done():
		s.Logger.Error("a server of the stack stopped", "err", served)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
	defer cancel()
	if err := stack.Close(shutdown); err != nil {
		s.Logger.Warn("shutdown was not clean", "err", err)
	}
	return served
}
