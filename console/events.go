package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/push"
	"github.com/asyncjobs/asyncjobs/push/appsync"
)

// MaxStreamJobs is the most jobs one event stream follows.
const MaxStreamJobs = 200

// checkers is how many jobs a stream checks and subscribes to at once;
// once subscribed, every job of the stream is followed at the same time.
const checkers = 8

var jobID = regexp.MustCompile(`^[A-Za-z0-9-]{1,50}$`)

// events streams, as text/event-stream, the changes of the jobs that
// ?jobs=<id>,<id>,… names: for each, once a signed GET has shown that the
// user may read it, its latest state and then each change pushed to its
// channel, as `data: <job JSON>`, until it is terminal. A job the user may
// not read is never subscribed to: it is answered `event: refused` with its
// id and the API's status. The stream ends when the events connection does
// (the browser's EventSource then reconnects).
func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		refuse(w, http.StatusMethodNotAllowed, "the event stream is read with GET")
		return
	}
	ids, err := streamIDs(r.URL.Query().Get("jobs"))
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		refuse(w, http.StatusInternalServerError, "this server cannot stream")
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	conn, err := c.cfg.Events(ctx)
	if err != nil {
		refuse(w, http.StatusBadGateway, fmt.Sprintf("connect to the job events: %v", err))
		return
	}
	defer conn.Close()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()

	out := make(chan []byte, 64)
	checking := make(chan struct{}, checkers)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() { c.follow(ctx, conn, id, checking, out) })
	}
	defer func() { cancel(); wg.Wait() }() // the followers end with the stream
	for {
		select {
		case msg := <-out:
			if _, err := w.Write(msg); err != nil {
				return
			}
			flusher.Flush()
		case <-conn.Done():
			return
		case <-ctx.Done():
			return
		}
	}
}

// streamIDs reads the comma-separated job ids of a stream.
func streamIDs(list string) ([]string, error) {
	if list == "" {
		return nil, fmt.Errorf("name the jobs to follow: ?jobs=<id>,<id>,… (up to %d)", MaxStreamJobs)
	}
	parts := strings.Split(list, ",")
	if len(parts) > MaxStreamJobs {
		return nil, fmt.Errorf("%d jobs named: a stream follows up to %d", len(parts), MaxStreamJobs)
	}
	seen := make(map[string]bool, len(parts))
	ids := make([]string, 0, len(parts))
	for _, id := range parts {
		if !jobID.MatchString(id) {
			return nil, fmt.Errorf("%q is not a job id: 1 to 50 letters, digits or '-'", id)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// follow sends job id's latest state and its changes to out until it is
// terminal, after checking with a signed GET that the user may read it;
// the check and subscription hold one of the checking slots.
func (c *Console) follow(ctx context.Context, conn *appsync.Conn, id string, checking chan struct{}, out chan<- []byte) {
	select {
	case checking <- struct{}{}:
	case <-ctx.Done():
		return
	}
	sub, ok := c.subscribe(ctx, conn, id, out)
	<-checking
	if !ok {
		return
	}
	defer sub.Close()
	for {
		select {
		case raw, open := <-sub.Events():
			if !open {
				send(ctx, out, fmt.Appendf(nil, "event: lost\ndata: {\"id\":%q}\n\n", id))
				return
			}
			if !relay(ctx, out, id, raw) {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// subscribe checks that the user may read job id, subscribes to its
// changes and sends its latest state; ok when its changes are to follow.
// The job is read again once subscribed, so no change between is missed.
func (c *Console) subscribe(ctx context.Context, conn *appsync.Conn, id string, out chan<- []byte) (*appsync.Subscription, bool) {
	if status, _, ok := c.read(ctx, id); !ok {
		send(ctx, out, fmt.Appendf(nil, "event: refused\ndata: {\"id\":%q,\"status\":%d}\n\n", id, status))
		return nil, false
	}
	sub, err := conn.Subscribe(ctx, push.JobChannel(c.cfg.Namespace, id))
	if err != nil {
		send(ctx, out, fmt.Appendf(nil, "event: lost\ndata: {\"id\":%q}\n\n", id))
		return nil, false
	}
	_, latest, ok := c.read(ctx, id)
	if !ok || !relay(ctx, out, id, latest) {
		sub.Close()
		return nil, false
	}
	return sub, true
}

// read reads job id with a signed GET: ok when the API answered 200.
func (c *Console) read(ctx context.Context, id string) (status int, job []byte, ok bool) {
	status, _, job, err := c.call(ctx, http.MethodGet, "/jobs/"+id, "", nil, nil)
	if err != nil {
		return http.StatusBadGateway, nil, false
	}
	return status, job, status == http.StatusOK
}

// relay sends raw as a data event if it is a state of job id, and tells
// whether to go on: not once the job is terminal.
func relay(ctx context.Context, out chan<- []byte, id string, raw []byte) bool {
	var j struct {
		ID     string      `json:"id"`
		Status jobs.Status `json:"status"`
	}
	if err := json.Unmarshal(raw, &j); err != nil || j.ID != id {
		return true // push is best effort: anything else is skipped
	}
	var line bytes.Buffer
	line.WriteString("data: ")
	if err := json.Compact(&line, raw); err != nil {
		return true
	}
	line.WriteString("\n\n")
	return send(ctx, out, line.Bytes()) && !j.Status.Terminal()
}

// send queues msg for the stream, unless it has ended.
func send(ctx context.Context, out chan<- []byte, msg []byte) bool {
	select {
	case out <- msg:
		return true
	case <-ctx.Done():
		return false
	}
}
