package jobs_test

import (
	"testing"

	"github.com/asyncjobs/asyncjobs/jobs"
)

func TestHubKeepsTheLatestChange(t *testing.T) {
	t.Parallel()
	h := jobs.NewHub()
	changes, stop := h.Watch(t.Context(), "a")
	other, stopOther := h.Watch(t.Context(), "b")
	defer stopOther()
	for seq := int64(1); seq <= 5; seq++ {
		h.Notify(jobs.Job{ID: "a", Seq: seq})
	}
	h.Notify(jobs.Job{ID: "a", Seq: 3}) // a late, older change does not win
	if got := <-changes; got.Seq != 5 {
		t.Fatalf("watcher holds seq %d, want 5", got.Seq)
	}
	select {
	case j := <-other:
		t.Fatalf("watcher of b got a change of %s", j.ID)
	default:
	}
	stop()
	stop() // idempotent
	h.Notify(jobs.Job{ID: "a", Seq: 6})
	select {
	case j := <-changes:
		t.Fatalf("stopped watcher got seq %d", j.Seq)
	default:
	}
}

func TestHubStopsOneWatcherOfAJob(t *testing.T) {
	t.Parallel()
	h := jobs.NewHub()
	first, stopFirst := h.Watch(t.Context(), "a")
	second, stopSecond := h.Watch(t.Context(), "a")
	defer stopSecond()
	stopFirst()
	h.Notify(jobs.Job{ID: "a", Seq: 2})
	select {
	case c := <-second:
		if c.Seq != 2 {
			t.Fatalf("the other watcher got seq %d, want 2", c.Seq)
		}
	default:
		t.Fatal("stopping one watcher of a job stopped the other")
	}
	select {
	case c := <-first:
		t.Fatalf("the stopped watcher got seq %d", c.Seq)
	default:
	}
}
