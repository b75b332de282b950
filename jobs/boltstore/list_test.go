package boltstore

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/storetest"
)

// TestListGoesOnWhereAScanStopped lists, 3 at a time, the few jobs of a
// type among more than one scan's worth of the owner's jobs: each page
// stops after maxListScan entries with a Next, and following the Nexts
// must give every match once, newest first, the one the first scan stopped
// at included.
func TestListGoesOnWhereAScanStopped(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 2*maxListScan + 10
	// Newest first, the scan meets job n-1 first; job n-1-maxListScan is
	// the first entry the first scan does not look at.
	rare := map[int]bool{n - 1 - maxListScan: true, n - 1 - maxListScan - 1: true, 3: true, 0: true}
	createMany(t, s, n, func(i int) jobs.Job {
		j := newJob(fmt.Sprintf("job-%05d", i), start.Add(time.Duration(i)*time.Millisecond))
		j.Owner = "alice"
		if rare[i] {
			j.Type = "rare"
		}
		return j
	})

	q := jobs.ListQuery{Owner: "alice", Type: "rare", Limit: 3, Now: start}
	pages := 1
	listed := storetest.ListAll(t, s, q, func() { pages++ })
	want := []string{"job-04105", "job-04104", "job-00003", "job-00000"}
	if !slices.Equal(listed, want) {
		t.Errorf("listed %v in %d pages, want %v", listed, pages, want)
	}
}
