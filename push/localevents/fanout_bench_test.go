package localevents

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/push"
)

// BenchmarkNotifyToSubscriber times one job change from Notify to the
// subscriber's read, over TLS, with 1,000 other job channels subscribed:
// the Notifier's encoding, the channel lookup, the queue, the write and the
// client's read.
func BenchmarkNotifyToSubscriber(b *testing.B) {
	e := setup(b, nil, nil)
	for i := range 1000 {
		other := newConn(e.srv, nil, nil, "bench", AuthAPIKey)
		if apiErr := e.srv.broker.subscribe(other, "s", fmt.Sprintf("/jobs/other-%d", i)); apiErr != nil {
			b.Fatal(apiErr.Message)
		}
	}
	n := push.NewNotifier(push.NotifierConfig{Publisher: e.srv})
	b.Cleanup(func() { _ = n.Close(context.Background()) })
	c := e.connect(b)
	subscribe(b, c, "s", "/jobs/0b7c6f0e-5b1a-4f7e-9c55-0d2f1c3b9a11")
	now := time.Now()
	j := jobs.Job{
		ID: "0b7c6f0e-5b1a-4f7e-9c55-0d2f1c3b9a11", Type: "order", Status: jobs.StatusRunning,
		Parameters: json.RawMessage(`{"orderId":"bench","items":[{"sku":"A-1","qty":2}]}`),
		Progress:   &jobs.Progress{Step: "payment", Current: 2, Total: 3},
		Attempts:   1, CreatedAt: now, UpdatedAt: now, StartedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}
	ctx := context.Background()
	for b.Loop() {
		j.Seq++
		n.Notify(j)
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFanOutLatency is the push phase of jobsbench without the
// store: 1,000 subscribers over TLS in this process, each on its own job
// channel, and 1,200 job changes a second, each to a random one of them
// (200 jobs a second, 6 events each). It reports the percentiles of the
// time from Notify to the subscriber's read. Each iteration lasts 5 s.
func BenchmarkFanOutLatency(b *testing.B) {
	const subscribers, rate, runFor = 1000, 1200, 5 * time.Second
	e := setup(b, func(c *Config) { c.MaxConnections = subscribers + 10 }, nil)
	n := push.NewNotifier(push.NotifierConfig{Publisher: e.srv})
	b.Cleanup(func() { _ = n.Close(context.Background()) })
	conns := make([]*websocket.Conn, subscribers)
	for i := range conns {
		conns[i] = e.connect(b)
		subscribe(b, conns[i], "s", fmt.Sprintf("/jobs/sub-%d", i))
	}
	for b.Loop() {
		var sent sync.Map // seq → time.Time
		var mu sync.Mutex
		var latencies []time.Duration
		ctx, cancel := context.WithCancel(context.Background())
		var readers sync.WaitGroup
		for _, c := range conns {
			readers.Go(func() {
				for {
					_, data, err := c.Read(ctx)
					if err != nil {
						return
					}
					now := time.Now()
					var msg struct{ Event string }
					var job struct{ Seq int64 }
					if json.Unmarshal(data, &msg) != nil || json.Unmarshal([]byte(msg.Event), &job) != nil {
						continue
					}
					if at, ok := sent.Load(job.Seq); ok {
						mu.Lock()
						latencies = append(latencies, now.Sub(at.(time.Time)))
						mu.Unlock()
					}
				}
			})
		}
		tick := time.NewTicker(time.Second / rate)
		for seq, end := int64(1), time.Now().Add(runFor); time.Now().Before(end); seq++ {
			<-tick.C
			now := time.Now()
			sent.Store(seq, now)
			n.Notify(jobs.Job{ID: fmt.Sprintf("sub-%d", rand.IntN(subscribers)), Type: "order", Status: jobs.StatusRunning,
				Parameters: json.RawMessage(`{"orderId":"bench"}`), CreatedAt: now, UpdatedAt: now, Seq: seq})
		}
		tick.Stop()
		time.Sleep(100 * time.Millisecond) // the last events arrive
		cancel()
		readers.Wait()
		for i := range conns { // the cancelled reads closed them
			conns[i] = e.connect(b)
			subscribe(b, conns[i], "s", fmt.Sprintf("/jobs/sub-%d", i))
		}
		slices.Sort(latencies)
		at := func(p float64) float64 { return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) }
		b.ReportMetric(at(0.50), "p50-µs")
		b.ReportMetric(at(0.99), "p99-µs")
		b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds()), "max-µs")
		b.ReportMetric(float64(len(latencies)), "events")
	}
}
