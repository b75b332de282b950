package dynamostore

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/storetest"
)

// TestListGoesOnWhereItsQueriesStopped lists, 3 at a time, the few jobs of a
// type among more of the owner's jobs than one List's Queries read: a page
// stops after maxListChunks Queries with a Next, and following the Nexts
// must give every match once, newest first.
func TestListGoesOnWhereItsQueriesStopped(t *testing.T) {
	t.Parallel()
	e := setup(t)
	s := e.store(nil)
	start := e.clock.Now()
	// A filtered Query reads MaxListLimit+1 items; the first page reads
	// read of them, newest first, so job n-1-read is the first it leaves.
	const read = maxListChunks * (jobs.MaxListLimit + 1)
	const n = read + 20
	rare := map[int]bool{n - read: true, n - 1 - read: true, 2: true}
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				j := newJob(fmt.Sprintf("job-%05d", i), start.Add(time.Duration(i)*time.Millisecond))
				j.Owner = "alice"
				if rare[i] {
					j.Type = "rare"
				}
				mustCreate(t, s, j)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()

	q := jobs.ListQuery{Owner: "alice", Type: "rare", Limit: 3, Now: start}
	pages := 1
	listed := storetest.ListAll(t, s, q, func() { pages++ })
	want := []string{fmt.Sprintf("job-%05d", n-read), fmt.Sprintf("job-%05d", n-1-read), "job-00002"}
	if !slices.Equal(listed, want) || pages < 2 {
		t.Errorf("listed %v in %d pages, want %v in at least 2", listed, pages, want)
	}
}
