package boltstore

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
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

// reportCPU reports the CPU time the process spends per op (all its
// goroutines: the committer, bbolt, the benchmark's own), which fsync waits
// and other processes on the machine do not blur as they do ns/op.
func reportCPU(b *testing.B) {
	b.Helper()
	before := cpuTime(b)
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime(b)-before).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	})
}

func cpuTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
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

func finishedJob(id string) jobs.Job {
	j := benchJob(id)
	j.Status, j.Results, j.Attempts = jobs.StatusSuccess, []byte(`{"rows":42}`), 1
	j.StartedAt, j.FinishedAt = j.CreatedAt, j.CreatedAt
	return j
}

// BenchmarkCreate measures durable creates from many goroutines, which group
// commit lets share transactions and fsyncs.
func BenchmarkCreate(b *testing.B) {
	s := benchStore(b)
	var n atomic.Int64
	reportCPU(b)
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

// BenchmarkGet measures reads from a store holding 10,000 finished jobs,
// which it reads from the file and decodes.
func BenchmarkGet(b *testing.B) {
	const stored = 10_000
	s := benchStore(b)
	createMany(b, s, stored, func(i int) jobs.Job { return finishedJob(fmt.Sprint("job-", i)) })
	i := 0
	reportCPU(b)
	for b.Loop() {
		if _, err := s.Get(b.Context(), fmt.Sprint("job-", i%stored)); err != nil {
			b.Fatal(err)
		}
		i += 7919 // a prime: visits every job, not in key order
	}
}

// BenchmarkJobLife measures the writes of a noop job's life from many
// goroutines: a durable Create, a soft Start (durable where the store has no
// UpdateSoft), a durable Succeed.
func BenchmarkJobLife(b *testing.B) {
	s := benchStore(b)
	var store jobs.Store = s
	start := store.Update
	if soft, ok := store.(jobs.SoftUpdater); ok {
		start = soft.UpdateSoft
	}
	var n atomic.Int64
	reportCPU(b)
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprint("job-", n.Add(1))
			if _, err := s.Create(b.Context(), benchJob(id)); err != nil {
				b.Error(err)
				return
			}
			_, err := start(b.Context(), id, func(j *jobs.Job) error { return j.Start(time.Now()) })
			if err == nil {
				_, err = s.Update(b.Context(), id, func(j *jobs.Job) error { return j.Succeed([]byte(`{}`), time.Now()) })
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkGetEncoded measures reads of a job's public JSON from a store
// holding 100,000 finished jobs (by Get and jobjson where the store has no
// GetEncoded).
func BenchmarkGetEncoded(b *testing.B) {
	const stored = 100_000
	s := benchStore(b)
	createMany(b, s, stored, func(i int) jobs.Job { return finishedJob(fmt.Sprint("job-", i)) })
	var store jobs.Store = s
	read := func(id string) ([]byte, error) {
		j, err := store.Get(b.Context(), id)
		return jobjson.Append(nil, j), err
	}
	if enc, ok := store.(jobs.EncodedReader); ok {
		read = func(id string) ([]byte, error) {
			e, err := enc.GetEncoded(b.Context(), id)
			return e.JSON, err
		}
	}
	b.ResetTimer()
	reportCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(stored)
		for pb.Next() {
			if _, err := read(fmt.Sprint("job-", i%stored)); err != nil {
				b.Error(err)
				return
			}
			i += 7919
		}
	})
}

// BenchmarkList measures the first page (50 jobs) of an owner's list from a
// store holding 10,000 finished jobs of that owner, read from the file.
func BenchmarkList(b *testing.B) {
	const stored = 10_000
	s := benchStore(b)
	const owner = "arn:aws:iam::000000000000:user/bench"
	createMany(b, s, stored, func(i int) jobs.Job {
		j := finishedJob(fmt.Sprint("job-", i))
		j.Owner = owner
		return j
	})
	now := time.Now()
	reportCPU(b)
	for b.Loop() {
		page, err := s.List(b.Context(), jobs.ListQuery{Owner: owner, Limit: jobs.DefaultListLimit, Now: now})
		if err != nil || len(page.Jobs) != jobs.DefaultListLimit {
			b.Fatalf("List: %d jobs, %v", len(page.Jobs), err)
		}
	}
}
