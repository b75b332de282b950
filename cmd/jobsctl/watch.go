package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// watch subscribes to the job's channel, reads the job once (so nothing
// between the two is missed), then prints each newer change until the job
// is terminal, and exits by its outcome.
func watch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	api := apiFlags(fs)
	events := eventsFlags(fs)
	id, c, err := oneJob(ctx, fs, api, args, stderr, "Usage: jobsctl watch [flags] <job id>\n\nPrints the job's changes as they are pushed to its AppSync Events channel.")
	if err != nil {
		return err
	}
	if err := checkJobID(id); err != nil {
		return err
	}
	conn, err := events.dial(ctx, api)
	if err != nil {
		return err
	}
	defer conn.Close()
	f := follower{api: c, out: newPrinter(stdout, api.output), notes: stderr}
	j, err := f.byEvents(ctx, conn, events.namespace, jobs.Job{ID: id})
	if errors.Is(err, errNoEvents) {
		return fmt.Errorf("%w; 'jobsctl get %s' reads the latest", err, id)
	}
	if err != nil {
		return err
	}
	return outcome(j)
}
