package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/testclock"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/memstore"
)

// durableOnly is a Store without UpdateSoft that counts its updates.
type durableOnly struct {
	jobs.Store
	updates int
}

func (s *durableOnly) Update(ctx context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	s.updates++
	return s.Store.Update(ctx, id, fn)
}

// softCounting is a SoftUpdater that counts its durable and soft updates.
type softCounting struct {
	durableOnly
	soft int
}

func (s *softCounting) UpdateSoft(ctx context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	s.soft++
	return s.durableOnly.Store.Update(ctx, id, fn)
}

type recordingNotifier struct{ seen []jobs.Status }

func (n *recordingNotifier) Notify(j jobs.Job) { n.seen = append(n.seen, j.Status) }

// startAndSucceed commits a job's life through a Committer over store, the
// start with CommitSoft, and returns the statuses announced.
func startAndSucceed(t *testing.T, store jobs.Store) []jobs.Status {
	t.Helper()
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	n := &recordingNotifier{}
	commits := jobs.Committer{Store: store, Clock: testclock.New(now), Notifier: n}
	if _, err := commits.Create(t.Context(), jobs.Job{ID: "a", Type: "t", Status: jobs.StatusPending, CreatedAt: now, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	started, err := commits.CommitSoft(t.Context(), "a", (*jobs.Job).Start)
	if err != nil || started.Status != jobs.StatusRunning || started.Seq != 2 {
		t.Fatalf("CommitSoft(Start): %s at Seq %d, %v; want Running at Seq 2", started.Status, started.Seq, err)
	}
	if _, err := commits.Commit(t.Context(), "a", func(j *jobs.Job, now time.Time) error { return j.Succeed([]byte(`{}`), now) }); err != nil {
		t.Fatal(err)
	}
	return n.seen
}

func TestCommitSoft(t *testing.T) {
	t.Parallel()
	want := []jobs.Status{jobs.StatusPending, jobs.StatusRunning, jobs.StatusSuccess}
	t.Run("through UpdateSoft", func(t *testing.T) {
		t.Parallel()
		s := &softCounting{durableOnly: durableOnly{Store: memstore.New()}}
		if seen := startAndSucceed(t, s); len(seen) != 3 || seen[1] != want[1] {
			t.Errorf("announced %v, want %v", seen, want)
		}
		if s.soft != 1 || s.updates != 1 {
			t.Errorf("%d soft and %d durable updates; want 1 (Start) and 1 (Succeed)", s.soft, s.updates)
		}
	})
	t.Run("through Update where the Store has no UpdateSoft", func(t *testing.T) {
		t.Parallel()
		s := &durableOnly{Store: memstore.New()}
		if seen := startAndSucceed(t, s); len(seen) != 3 || seen[1] != want[1] {
			t.Errorf("announced %v, want %v", seen, want)
		}
		if s.updates != 2 {
			t.Errorf("%d durable updates, want 2 (Start and Succeed)", s.updates)
		}
	})
}
