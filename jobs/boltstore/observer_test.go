package boltstore

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// commitLog records what a CommitObserver hears.
type commitLog struct {
	mu      sync.Mutex
	batches []int
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
