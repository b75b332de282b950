package localevents

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

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
		other := newConn(e.srv, nil, "bench", AuthAPIKey)
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
