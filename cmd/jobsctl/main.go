// Command jobsctl is the users' CLI of the async jobs API. Today it has one
// subcommand, watch, which prints a job's changes as they are pushed to its
// AppSync Events channel until the job finishes.
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
)

// Exit statuses: a job that did not succeed is not an error of jobsctl's,
// but scripts need to tell them apart.
const (
	exitError     = 1
	exitFailure   = 2
	exitCancelled = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var status *jobStatusError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &status):
		os.Exit(status.code)
	default:
		fmt.Fprintln(os.Stderr, "jobsctl:", err)
		os.Exit(exitError)
	}
}

const usage = `Usage: jobsctl <command> [flags]

Commands:
  watch <job id>   print the job's changes as they are pushed, until it finishes

Exit status: 0 when the job succeeded, 2 when it failed, 3 when it was
cancelled, 1 on any other error. Run 'jobsctl <command> --help' for flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "watch":
		return watch(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// jobStatusError reports a job that finished without success.
type jobStatusError struct {
	code   int
	status string
}

func (e *jobStatusError) Error() string { return "the job ended " + e.status }
