package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/asyncjobs/asyncjobs/push/appsync"
)

// submit posts a job and prints it; with --wait it then follows the job
// until it finishes and exits by its outcome.
func submit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("submit", flag.ContinueOnError)
	api := apiFlags(fs)
	events := eventsFlags(fs)
	jobType := fs.String("type", "", `the job type ('jobsctl types' lists them with their parameters); without it the parameters are the sample sleep job's, such as '{"seconds":2}'`)
	follow := fs.Bool("wait", false, "follow the job until it finishes, printing each change (pushed events, else long polls), and exit by its outcome")
	key := fs.String("idempotency-key", "", "send Idempotency-Key: the same key and request give the same job; the same key with another request is refused")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: jobsctl submit [flags] '<json parameters>'

  jobsctl submit '{"seconds":2}'                          the sample job: sleep 2 s
  jobsctl submit --type order --wait '{"orderId":"o-1"}'  follow an order's steps

With --wait, the job is followed by its pushed events when the events endpoint
answers, else by long-polling GET /jobs/{id}?wait=25; the exit status then
says how it ended.`)
		fs.PrintDefaults()
	}
	rest, err := parse(fs, args, stderr, 1)
	if err != nil {
		return err
	}
	if err := api.check(); err != nil {
		return err
	}
	body, err := requestBody(*jobType, rest[0])
	if err != nil {
		return err
	}
	c, err := api.newClient(ctx)
	if err != nil {
		return err
	}
	out := newPrinter(stdout, api.output)
	if !*follow {
		j, err := c.submit(ctx, body, *key)
		if err != nil {
			return err
		}
		out.job(j)
		return nil
	}
	// Connect to the events endpoint first, so that the job is subscribed
	// to as soon as it exists, or is long-polled if the endpoint is away.
	var conn *appsync.Conn
	if conn, err = events.dial(ctx, api); err != nil {
		fmt.Fprintf(stderr, "jobsctl: %v; long-polling instead\n", err)
	} else {
		defer conn.Close()
	}
	j, err := c.submit(ctx, body, *key)
	if err != nil {
		return err
	}
	out.change(j)
	f := follower{api: c, out: out, notes: stderr}
	if j, err = f.follow(ctx, conn, events.namespace, j); err != nil {
		return err
	}
	return outcome(j)
}

// requestBody is the body of POST /jobs: the parameters alone (the seed
// form) or, with a type, the envelope {"type": ..., "parameters": ...}.
func requestBody(jobType, parameters string) ([]byte, error) {
	if !json.Valid([]byte(parameters)) {
		return nil, errors.New(`the parameters must be JSON, such as '{"seconds":2}'`)
	}
	if jobType == "" {
		return []byte(parameters), nil
	}
	return json.Marshal(struct {
		Type       string          `json:"type"`
		Parameters json.RawMessage `json:"parameters"`
	}{jobType, json.RawMessage(parameters)})
}
