package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// get prints a job. It exits 0 whatever the job's status: wait exits by
// the outcome.
func get(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("get", flag.ContinueOnError)
	api := apiFlags(fs)
	id, c, err := oneJob(ctx, fs, api, args, stderr, "Usage: jobsctl get [flags] <job id>")
	if err != nil {
		return err
	}
	j, err := c.get(ctx, id, 0)
	if err != nil {
		return err
	}
	newPrinter(stdout, api.output).job(j)
	return nil
}

// cancel cancels a Pending or Running job and prints it, now Cancelled.
func cancel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cancel", flag.ContinueOnError)
	api := apiFlags(fs)
	id, c, err := oneJob(ctx, fs, api, args, stderr, "Usage: jobsctl cancel [flags] <job id>\n\nA job that already finished cannot be cancelled (the API answers 409).")
	if err != nil {
		return err
	}
	j, err := c.cancel(ctx, id)
	if err != nil {
		return err
	}
	newPrinter(stdout, api.output).job(j)
	return nil
}

// oneJob reads the flags and the job id of a command on one job, and builds
// its client.
func oneJob(ctx context.Context, fs *flag.FlagSet, api *apiOptions, args []string, stderr io.Writer, usage string) (string, *client, error) {
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	rest, err := parse(fs, args, stderr, 1)
	if err != nil {
		return "", nil, err
	}
	if err := api.check(); err != nil {
		return "", nil, err
	}
	c, err := api.newClient(ctx)
	return rest[0], c, err
}
