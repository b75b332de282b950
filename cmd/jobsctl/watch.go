package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/push"
	"github.com/asyncjobs/asyncjobs/push/appsync"
)

// watch subscribes to the job's channel, reads the job once (so nothing
// between the two is missed), then prints each newer change until the job
// is terminal.
func watch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("jobsctl watch", flag.ContinueOnError)
	conn := connectionFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: jobsctl watch [flags] <job id>")
		fs.PrintDefaults()
	}
	rest, err := parse(fs, args, stderr, 1, "watch")
	if err != nil {
		return err
	}
	if err := conn.check(); err != nil {
		return err
	}
	id := rest[0]
	client, err := conn.httpClient()
	if err != nil {
		return err
	}
	events, err := appsync.Dial(ctx, appsync.ClientConfig{
		Endpoint: conn.eventsEndpoint, Auth: appsync.APIKey(conn.apiKey), HTTPClient: client,
	})
	if err != nil {
		return fmt.Errorf("connect to %s: %w", conn.eventsEndpoint, err)
	}
	defer events.Close()
	sub, err := events.Subscribe(ctx, push.JobChannel(conn.namespace, id))
	if err != nil {
		return fmt.Errorf("subscribe to job %s: %w", id, err)
	}
	defer sub.Close()

	p := printer{w: stdout, json: conn.output == "json"}
	j, err := getJob(ctx, client, conn.endpoint, id)
	if err != nil {
		return err
	}
	p.print(j)
	for !j.Status.Terminal() {
		select {
		case raw, ok := <-sub.Events():
			if !ok {
				return fmt.Errorf("the events connection ended (%v); GET /jobs/%s for the latest", sub.Err(), id)
			}
			next, err := decodeJob(raw)
			if err != nil || next.ID != id || next.Seq <= j.Seq {
				continue // not a newer change of this job: push is best effort
			}
			j = next
			p.print(j)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return outcome(j)
}

// outcome turns a terminal job into jobsctl's exit status.
func outcome(j jobs.Job) error {
	switch j.Status {
	case jobs.StatusFailure:
		return &jobStatusError{code: exitFailure, status: string(j.Status)}
	case jobs.StatusCancelled:
		return &jobStatusError{code: exitCancelled, status: string(j.Status)}
	}
	return nil
}

func decodeJob(raw []byte) (jobs.Job, error) {
	var j jobjson.Job
	if err := json.Unmarshal(raw, &j); err != nil {
		return jobs.Job{}, err
	}
	return j.Domain()
}

// getJob reads the job from the API.
func getJob(ctx context.Context, client *http.Client, endpoint, id string) (jobs.Job, error) {
	u, err := url.JoinPath(endpoint, "jobs", url.PathEscape(id))
	if err != nil {
		return jobs.Job{}, fmt.Errorf("--endpoint %q: %w", endpoint, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return jobs.Job{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return jobs.Job{}, fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		var problem struct{ Detail string }
		json.Unmarshal(body, &problem)
		return jobs.Job{}, fmt.Errorf("GET %s: %s: %s", u, resp.Status, problem.Detail)
	}
	j, err := decodeJob(body)
	if err != nil {
		return jobs.Job{}, errors.Join(fmt.Errorf("GET %s: unreadable job", u), err)
	}
	return j, nil
}
