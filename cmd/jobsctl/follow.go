package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/push"
	"github.com/asyncjobs/asyncjobs/push/appsync"
)

// maxWait is the longest long poll the API allows (under API Gateway's 29 s).
const maxWait = 25

// errTimedOut means a job was not finished by the deadline.
var errTimedOut = errors.New("timed out")

// errNoEvents means the job's events channel could not be followed to the end.
var errNoEvents = errors.New("no push events")

// dial connects to the events endpoint, trusting the CAs api trusts for it.
func (o *eventsOptions) dial(ctx context.Context, api *apiOptions) (*appsync.Conn, error) {
	key, err := o.key(api.dataDir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNoEvents, err)
	}
	hc, err := api.httpClient(o.endpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNoEvents, err)
	}
	conn, err := appsync.Dial(ctx, appsync.ClientConfig{Endpoint: o.endpoint, Auth: appsync.APIKey(key), HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("%w: connect to %s: %w", errNoEvents, o.endpoint, err)
	}
	return conn, nil
}

// follower prints the changes of one job until it is terminal.
type follower struct {
	api   *client
	out   printer
	notes io.Writer // where what jobsctl is doing is said: stderr
}

// follow follows the job by its events when conn is not nil, and by
// long-polling when it is, or when the events fail.
func (f follower) follow(ctx context.Context, conn *appsync.Conn, namespace string, j jobs.Job) (jobs.Job, error) {
	if conn == nil || j.Status.Terminal() {
		return f.byPolling(ctx, j)
	}
	j, err := f.byEvents(ctx, conn, namespace, j)
	if !errors.Is(err, errNoEvents) {
		return j, err
	}
	fmt.Fprintf(f.notes, "jobsctl: %v; long-polling job %s instead\n", err, j.ID)
	return f.byPolling(ctx, j)
}

// byEvents subscribes to the job's channel, then reads the job, so that no
// change between the two is missed, and prints each change newer than j
// until the job is terminal. j is the latest state printed, or only the ID.
// A channel that cannot be subscribed to, or that ends early, is an error
// that matches errNoEvents; j is then the latest state printed.
func (f follower) byEvents(ctx context.Context, conn *appsync.Conn, namespace string, j jobs.Job) (jobs.Job, error) {
	sub, err := conn.Subscribe(ctx, push.JobChannel(namespace, j.ID))
	if err != nil {
		return j, fmt.Errorf("%w: subscribe to job %s: %w", errNoEvents, j.ID, err)
	}
	defer sub.Close()
	fmt.Fprintf(f.notes, "jobsctl: following job %s by its events\n", j.ID)
	latest, err := f.api.get(ctx, j.ID, 0)
	if err != nil {
		return j, err
	}
	j = f.newer(j, latest)
	for !j.Status.Terminal() {
		select {
		case raw, ok := <-sub.Events():
			if !ok {
				return j, fmt.Errorf("%w: the events connection ended (%v)", errNoEvents, sub.Err())
			}
			if next, err := decodeJob(raw); err == nil && next.ID == j.ID {
				j = f.newer(j, next) // push is best effort: anything else is skipped
			}
		case <-ctx.Done():
			return j, ctx.Err()
		}
	}
	return j, nil
}

// byPolling long-polls the job until it is terminal, printing each change
// newer than j.
func (f follower) byPolling(ctx context.Context, j jobs.Job) (jobs.Job, error) {
	return poll(ctx, f.api, j, time.Time{}, f.out.change)
}

// newer prints next and returns it if it is newer than j, else returns j.
func (f follower) newer(j, next jobs.Job) jobs.Job {
	if next.Seq <= j.Seq {
		return j
	}
	f.out.change(next)
	return next
}

// poll long-polls job j.ID until it is terminal or until deadline (zero:
// none) has passed, and calls seen with each state newer than j. It reads
// the job at least once and returns the latest state.
func poll(ctx context.Context, api *client, j jobs.Job, deadline time.Time, seen func(jobs.Job)) (jobs.Job, error) {
	for !j.Status.Terminal() {
		wait := maxWait
		if !deadline.IsZero() {
			wait = min(wait, max(0, int((time.Until(deadline)+time.Second-1)/time.Second)))
		}
		next, err := api.get(ctx, j.ID, wait)
		if err != nil {
			return j, err
		}
		if next.Seq > j.Seq {
			j = next
			seen(j)
		}
		if !j.Status.Terminal() && !deadline.IsZero() && !time.Now().Before(deadline) {
			return j, errTimedOut
		}
	}
	return j, nil
}
