// Command jobsctl is the users' CLI of the async jobs API: it submits jobs,
// reads, lists, waits for, cancels and watches them over the SigV4-signed HTTP API
// and the jobs' AppSync Events channels. It is a client only: replaying a
// local failure archive is `jobsd replay`.
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

	"github.com/asyncjobs/asyncjobs/jobs"
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
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return
	}
	fmt.Fprintln(os.Stderr, "jobsctl:", err)
	var status *jobStatusError
	if errors.As(err, &status) {
		os.Exit(status.code)
	}
	os.Exit(exitError)
}

const usage = `Usage: jobsctl <command> [flags] [arguments]

Commands:
  submit [--type T] [--wait] [--idempotency-key K] '<json parameters>'
                   submit a job; without --type the body is the sample job's,
                   e.g. '{"seconds":2}'; --wait follows it until it finishes
  get <job id>     print the job
  ls [--status S] [--type T] [--limit N] [--all]
                   list your jobs, newest first
  wait <job id>    wait until the job finishes (--timeout D to give up)
  cancel <job id>  cancel a Pending or Running job
  watch <job id>   print the job's changes as they are pushed, until it finishes
  types            list the job types and their parameters
  console [--addr 127.0.0.1:0]
                   serve the jobs console (your jobs, live, in the browser) on
                   this machine, signing its calls with your credentials
  replay           moved: 'jobsd replay' replays a stopped jobsd's archived
                   failures; in AWS use 'aws events start-replay'

Requests are signed with AWS SigV4 (service execute-api): with the local dev
credentials when --endpoint is a loopback URL, else with the AWS credential
chain (--profile, AWS_ACCESS_KEY_ID, ...). See 'jobsctl <command> --help'.

Exit status: 0 when the job succeeded (or the command did its work), 2 when
the job failed, 3 when it was cancelled, 1 on any other error.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"submit": submit, "get": get, "ls": ls, "wait": wait, "cancel": cancel, "watch": watch, "replay": replay, "types": types,
		"console": consoleCmd,
	}
	if cmd, ok := commands[args[0]]; ok {
		return cmd(ctx, args[1:], stdout, stderr)
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// jobStatusError reports a job that finished without success.
type jobStatusError struct {
	code int
	job  jobs.Job
}

func (e *jobStatusError) Error() string {
	msg := fmt.Sprintf("job %s ended %s", e.job.ID, e.job.Status)
	if e.job.Error != nil {
		msg += fmt.Sprintf(": %s: %s", e.job.Error.Type, e.job.Error.Message)
	}
	return msg
}

// outcome turns a terminal job into jobsctl's exit status.
func outcome(j jobs.Job) error {
	switch j.Status {
	case jobs.StatusFailure:
		return &jobStatusError{code: exitFailure, job: j}
	case jobs.StatusCancelled:
		return &jobStatusError{code: exitCancelled, job: j}
	}
	return nil
}
