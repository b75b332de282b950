package boltstore

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// commitLog records what a CommitObserver hears.
type commitLog struct {
	mu          sync.Mutex
	batches     []int
	checkpoints []string // each one's keys and error
}

func (l *commitLog) Checkpointed(keys int, _ time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.checkpoints = append(l.checkpoints, fmt.Sprint(keys, " keys, ", err))
}

func (l *commitLog) Committed(requests int, _ time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.batches = append(l.batches, requests)
}

func TestCommitObserverHearsEachGroupCommit(t *testing.T) {
	t.Parallel()
	const nJobs = 5
	synctest.Test(t, func(t *testing.T) {
		var heard commitLog
		s := open(t, filepath.Join(t.TempDir(), "jobs.db"), Options{Commits: &heard})
		mustCreate(t, s, newJob("first", time.Now()))
		release := hold(t, s)
		var wg sync.WaitGroup
		for i := range nJobs {
			wg.Go(func() { mustCreate(t, s, newJob(fmt.Sprint("job-", i), time.Now())) })
		}
		synctest.Wait() // the creates wait for the held committer: they make one batch
		release()
		wg.Wait()

		heard.mu.Lock()
		defer heard.mu.Unlock()
		want := []int{1, 1, nJobs} // the first create, the held request, the batch behind it
		if fmt.Sprint(heard.batches) != fmt.Sprint(want) {
			t.Errorf("commits heard of %v requests; want %v", heard.batches, want)
		}
	})
}

func TestCommitObserverHearsEachCheckpoint(t *testing.T) {
	t.Parallel()
	var heard commitLog
	var s *Store
	failNext := false
	s, err := Open(filepath.Join(t.TempDir(), "jobs.db"), Options{Commits: &heard, checkpointKeys: 1, checkpointEvery: time.Hour,
		checkpointed: func() {
			if failNext { // the log cannot be emptied: the checkpoint fails
				s.log.f.Close()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, newJob("a", time.Now()))
	failNext = true
	if _, err := s.Create(t.Context(), newJob("b", time.Now())); err != nil {
		t.Fatal(err) // durable in the log before the checkpoint was tried
	}

	heard.mu.Lock()
	defer heard.mu.Unlock()
	if len(heard.checkpoints) != 2 || heard.checkpoints[0] != "3 keys, <nil>" ||
		!strings.Contains(heard.checkpoints[1], "3 keys, boltstore: checkpoint: truncate") {
		t.Errorf("checkpoints heard: %q; want a's 3 keys (job, expiry, unfinished), then b's failing", heard.checkpoints)
	}
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "checkpoint") {
		t.Errorf("Close after a failed checkpoint: %v, want its error", err)
	}
}
