package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
)

// Push latency is measured on one machine, with one clock: it is the time a
// subscriber reads an event minus the event's updatedAt, which jobsd stamps
// inside the write transaction, before its fsync. So it covers the durable
// commit, the publish and the WebSocket delivery, and it is an upper bound
// by up to 1 ms more: updatedAt is truncated to the millisecond.

// pushResult is what a push phase measured.
type pushResult struct {
	Channel     string  `json:"channel"`
	Subscribers int     `json:"subscribers"`
	Jobs        int64   `json:"jobs"`
	Seconds     float64 `json:"seconds"`
	Events      int64   `json:"events"` // data messages read, one latency sample each
	Missed      int64   `json:"missed"` // jobs whose Success was not heard in time
	LatencyMs   summary `json:"latencyMs"`
	Cores       cores   `json:"cores"`
}

// pace yields about rate tokens a second for d; a token nobody is ready to
// take is dropped.
func pace(rate int, d time.Duration) <-chan struct{} {
	tokens := make(chan struct{})
	go func() {
		defer close(tokens)
		t := time.NewTicker(time.Second / time.Duration(rate))
		defer t.Stop()
		for end := time.After(d); ; {
			select {
			case <-end:
				return
			case <-t.C:
				select {
				case tokens <- struct{}{}:
				default:
				}
			}
		}
	}()
	return tokens
}

// post submits a job over HTTP and returns its id.
func (b *bench) post(ctx context.Context, body string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+b.api+"/jobs", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	var job struct{ ID string }
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(data, &job) != nil || job.ID == "" {
		return "", fmt.Errorf("POST /jobs: %s %s", resp.Status, data)
	}
	return job.ID, nil
}

// pushPerJob: each of n subscribers, on its own connection, takes a token
// (rate a second in all), submits an order job, subscribes to the job's
// channel /jobs/<id>, times each event until Success, and unsubscribes.
// The events before the subscription (Pending, Running, the first step)
// are not heard; the order's later steps are.
func (b *bench) pushPerJob(ctx context.Context, n, rate int, d time.Duration) (pushResult, error) {
	conns, err := b.events.dialMany(ctx, n, 32, func(int, *websocket.Conn) error { return nil })
	if err != nil {
		return pushResult{}, err
	}
	defer func() { closeAll(conns) }()
	res := pushResult{Channel: "/jobs/<id>", Subscribers: n}
	samples := make([][]float64, n)
	var jobs, missed atomic.Int64
	wait := 3*b.cfg.orderStep + 5*time.Second
	u := usageOf(b.jobsd.pid())
	tokens := pace(rate, d)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			for op := 0; ; op++ {
				if _, more := <-tokens; !more || ctx.Err() != nil {
					return
				}
				id, err := b.post(ctx, `{"type":"order","parameters":{"orderId":"bench"}}`)
				if err != nil {
					missed.Add(1)
					continue
				}
				jobs.Add(1)
				if !b.follow(ctx, &conns[i], "j"+strconv.Itoa(op), id, wait, &samples[i]) {
					missed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	c, _, secs := u.since(b.jobsd.pid())
	res.Jobs, res.Missed, res.Seconds, res.Cores = jobs.Load(), missed.Load(), secs, c
	return res.withSamples(samples), ctx.Err()
}

// follow subscribes *ws to the job's channel and records the latency of its
// events until Success. If that does not come within wait, the connection
// (which a cancelled read closes) is dialled again and follow reports false.
func (b *bench) follow(ctx context.Context, ws **websocket.Conn, op, id string, wait time.Duration, samples *[]float64) bool {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	ok := subscribe(ctx, *ws, op, "/jobs/"+id) == nil
	for ok {
		_, msg, err := (*ws).Read(ctx)
		if err != nil {
			ok = false
			break
		}
		now := time.Now()
		if status, updated, isData := eventFields(msg); isData {
			*samples = append(*samples, float64(now.Sub(updated).Microseconds())/1000)
			if status == "Success" {
				break
			}
		}
	}
	if ok && unsubscribe(ctx, *ws, op) == nil {
		return true
	}
	(*ws).CloseNow()
	if fresh, err := b.events.dial(context.WithoutCancel(ctx)); err == nil {
		*ws = fresh
	}
	return false
}

func (r pushResult) withSamples(parts [][]float64) pushResult {
	var all []float64
	for _, p := range parts {
		all = append(all, p...)
	}
	r.Events, r.LatencyMs = int64(len(all)), summarize(all)
	return r
}

// memoryResult is jobsd's resident memory before and with n subscribers.
type memoryResult struct {
	Subscribers int     `json:"subscribers"`
	RSSBefore   int64   `json:"rssBeforeBytes"`
	RSSWith     int64   `json:"rssWithBytes"`
	PerSub      float64 `json:"bytesPerSubscriber"`
	DialSeconds float64 `json:"dialSeconds"`
}

// memory opens n connections, each subscribed to the channel of a job that
// does not exist (so no event flows), and reads jobsd's RSS before and after.
func (b *bench) memory(ctx context.Context, n int) (memoryResult, error) {
	pid := b.jobsd.pid()
	if limit, err := openFiles(pid); err != nil || limit < n+100 {
		return memoryResult{}, fmt.Errorf("jobsd may open %d files (%v): too few for %d subscribers; raise the hard limit (ulimit -Hn)", limit, err, n)
	}
	before, err := rssBytes(pid)
	if err != nil {
		return memoryResult{}, err
	}
	start := time.Now()
	conns, err := b.events.dialMany(ctx, n, 64, func(_ int, ws *websocket.Conn) error {
		return subscribe(ctx, ws, "m", "/jobs/"+uuid.NewString())
	})
	if err != nil {
		return memoryResult{}, err
	}
	defer closeAll(conns)
	dial := time.Since(start)
	time.Sleep(2 * time.Second) // let jobsd settle
	with, err := rssBytes(pid)
	return memoryResult{
		Subscribers: n, RSSBefore: before, RSSWith: with,
		PerSub: float64(with-before) / float64(n), DialSeconds: dial.Seconds(),
	}, err
}
