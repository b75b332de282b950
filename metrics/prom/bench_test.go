package prom

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
)

// BenchmarkStoreCreate measures durable creates from many goroutines in a
// boltstore without a commit observer and with Metrics, side by side: the
// cost of the commit metrics.
func BenchmarkStoreCreate(b *testing.B) {
	for _, observed := range []bool{false, true} {
		b.Run(fmt.Sprintf("metrics=%v", observed), func(b *testing.B) {
			var opts boltstore.Options
			if observed {
				opts.Commits = New(nil)
			}
			s, err := boltstore.Open(filepath.Join(b.TempDir(), "jobs.db"), opts)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			var n atomic.Int64
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					now := time.Now()
					j := jobs.Job{ID: fmt.Sprint("job-", n.Add(1)), Type: "noop", Status: jobs.StatusPending,
						Parameters: []byte(`{}`), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), Seq: 1}
					if _, err := s.Create(b.Context(), j); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkAnswered is the request meter's own cost per answer, over a few
// routes and statuses already seen.
func BenchmarkAnswered(b *testing.B) {
	m := New(nil)
	routes := []string{"/jobs", "/jobs/:id", "/healthz"}
	i := 0
	for b.Loop() {
		m.Answered("GET", routes[i%len(routes)], 200+i%2*4, time.Millisecond)
		i++
	}
}

// BenchmarkJobMeter is the jobs.Meter's own cost for one job's life.
func BenchmarkJobMeter(b *testing.B) {
	m := New([]string{"noop", "sleep"})
	for b.Loop() {
		m.Submitted("noop")
		m.Started("noop", 1, time.Millisecond)
		m.Finished("noop", jobs.StatusSuccess, time.Millisecond, 2*time.Millisecond)
	}
}
