package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// wait long-polls a job until it finishes, prints it and exits by its
// outcome; with --timeout it gives up, printing the job as it last was.
func wait(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wait", flag.ContinueOnError)
	api := apiFlags(fs)
	timeout := fs.Duration("timeout", 0, "give up after this long (0: wait until the job finishes), exiting 1")
	id, c, err := oneJob(ctx, fs, api, args, stderr, "Usage: jobsctl wait [flags] <job id>\n\nLong-polls GET /jobs/{id}?wait=25 until the job finishes.")
	if err != nil {
		return err
	}
	if *timeout < 0 {
		return fmt.Errorf("--timeout must not be negative, not %s", *timeout)
	}
	var deadline time.Time
	if *timeout > 0 {
		deadline = time.Now().Add(*timeout)
	}
	j, err := poll(ctx, c, jobs.Job{ID: id}, deadline, func(jobs.Job) {})
	if errors.Is(err, errTimedOut) {
		newPrinter(stdout, api.output).job(j)
		return fmt.Errorf("job %s is still %s after %s", id, j.Status, *timeout)
	}
	if err != nil {
		return err
	}
	newPrinter(stdout, api.output).job(j)
	return outcome(j)
}
