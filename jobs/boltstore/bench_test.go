package boltstore

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "jobs.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func benchJob(id string) jobs.Job {
	now := time.Now().UTC()
	return jobs.Job{
		ID:             id,
		Type:           "report",
		Status:         jobs.StatusPending,
		Parameters:     []byte(`{"account":"acme","from":"2025-01-01","to":"2025-12-31"}`),
		CreatedAt:      now,
		UpdatedAt:      now,
		ExpiresAt:      now.Add(24 * time.Hour),
		IdempotencyKey: "key-" + id,
		RequestHash:    "sha256:0123456789abcdef",
		Seq:            1,
	}
}

// BenchmarkCreate measures durable creates from many goroutines, which group
// commit lets share transactions and fsyncs.
func BenchmarkCreate(b *testing.B) {
	s := benchStore(b)
	var n atomic.Int64
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Create(b.Context(), benchJob(fmt.Sprint("job-", n.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkGet measures reads from a store holding 10,000 jobs.
func BenchmarkGet(b *testing.B) {
	const stored = 10_000
	s := benchStore(b)
	createMany(b, s, stored, func(i int) jobs.Job { return benchJob(fmt.Sprint("job-", i)) })
	i := 0
	for b.Loop() {
		if _, err := s.Get(b.Context(), fmt.Sprint("job-", i%stored)); err != nil {
			b.Fatal(err)
		}
		i += 7919 // a prime: visits every job, not in key order
	}
}
