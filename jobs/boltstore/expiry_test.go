package boltstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
	"github.com/asyncjobs/asyncjobs/jobs"
)

func TestDeleteExpired(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, j := range []struct {
		id, key   string
		expiresAt time.Time
	}{
		{"long-ago", "k1", now.Add(-time.Hour)},
		{"just-before", "", now.Add(-1)},
		{"at-now", "k2", now},
		{"just-after", "k3", now.Add(1)},
		{"never", "k4", time.Time{}},
		{"old-holder", "k5", now.Add(-2 * time.Hour)},
		{"new-holder", "k5", now.Add(time.Hour)}, // took k5 over once old-holder expired
		{"before-1970", "", time.Unix(-10, 0)},
	} {
		job := newJob(j.id, now.Add(-3*time.Hour))
		if j.id == "new-holder" {
			job.CreatedAt = now.Add(-time.Hour)
		}
		job.IdempotencyKey, job.ExpiresAt = j.key, j.expiresAt
		mustCreate(t, s, job)
	}

	n, err := s.DeleteExpired(t.Context(), now)
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Errorf("DeleteExpired deleted %d, want 5", n)
	}
	assertGone(t, s, "long-ago", "just-before", "at-now", "old-holder", "before-1970")
	for _, id := range []string{"just-after", "never", "new-holder"} {
		if _, err := s.Get(t.Context(), id); err != nil {
			t.Errorf("Get(%s): %v", id, err)
		}
	}
	readView(t, s, func(tx *view) error {
		want := map[string]bool{"\x00k3": true, "\x00k4": true, "\x00k5": true} // owner "", NUL, key
		if got := keys(tx, bucketIdempotency); !maps.Equal(got, want) {
			t.Errorf("idempotency keys left: %v, want %v", got, want)
		}
		if got := string(tx.Bucket(bucketIdempotency).Get([]byte("\x00k5"))); got != "new-holder" {
			t.Errorf("k5 held by %q, want new-holder", got)
		}
		return nil
	})
	if n, err := s.DeleteExpired(t.Context(), now); n != 0 || err != nil {
		t.Errorf("second DeleteExpired: %d, %v; want 0, nil", n, err)
	}
}

func TestDeleteExpiredInBatches(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	const expired = 2*maxDeletesPerTx + 500 // three transactions' worth
	createMany(t, s, expired, func(i int) jobs.Job {
		j := newJob(fmt.Sprintf("job-%05d", i), now.Add(-time.Hour))
		j.ExpiresAt = now.Add(-time.Duration(i) * time.Second)
		return j
	})
	keep := newJob("keep", now)
	keep.ExpiresAt = now.Add(time.Second)
	mustCreate(t, s, keep)

	n, more, err := s.deleteExpiredTx(t.Context(), now)
	if n != maxDeletesPerTx || !more || err != nil {
		t.Fatalf("one transaction's worth: %d, more %t, %v; want %d, more, nil", n, more, err, maxDeletesPerTx)
	}
	before := lastFrame(s)
	n, err = s.DeleteExpired(t.Context(), now)
	if err != nil {
		t.Fatal(err)
	}
	if n != expired-maxDeletesPerTx {
		t.Errorf("DeleteExpired deleted %d, want %d", n, expired-maxDeletesPerTx)
	}
	if frames := lastFrame(s) - before; frames != 2 {
		t.Errorf("DeleteExpired took %d frames, want 2", frames)
	}
	assertStored(t, s, withSeq(keep, 1))
}

func TestUpdateMovesIndexes(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, id := range []string{"sooner", "never", "later"} {
		j := newJob(id, now)
		j.ExpiresAt = now.Add(time.Hour)
		mustCreate(t, s, j)
	}
	sooner := mustUpdate(t, s, "sooner", func(j *jobs.Job) {
		j.ExpiresAt = now.Add(time.Minute)
		j.IdempotencyKey = "not the store's to change"
	})
	if sooner.IdempotencyKey != "" {
		t.Errorf("Update changed IdempotencyKey to %q", sooner.IdempotencyKey)
	}
	mustUpdate(t, s, "never", func(j *jobs.Job) { j.ExpiresAt = time.Time{} })
	mustUpdate(t, s, "later", func(j *jobs.Job) { j.ExpiresAt = now.Add(2 * time.Hour) })

	if n, err := s.DeleteExpired(t.Context(), now.Add(time.Minute)); n != 1 || err != nil {
		t.Errorf("DeleteExpired at +1m: %d, %v; want 1, nil", n, err)
	}
	assertGone(t, s, "sooner")
	if n, err := s.DeleteExpired(t.Context(), now.Add(90*time.Minute)); n != 0 || err != nil {
		t.Errorf("DeleteExpired at +90m: %d, %v; want 0, nil", n, err)
	}
	if n, err := s.DeleteExpired(t.Context(), now.Add(1000*time.Hour)); n != 1 || err != nil {
		t.Errorf("DeleteExpired at +1000h: %d, %v; want 1 (later), nil", n, err)
	}
	assertGone(t, s, "later")
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

func TestRunSweeper(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	old, live := newJob("old", now.Add(-time.Hour)), newJob("live", now)
	old.ExpiresAt, live.ExpiresAt = now.Add(-time.Minute), now.Add(time.Minute)
	mustCreate(t, s, old)
	mustCreate(t, s, live)

	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		s.RunSweeper(ctx, 5*time.Millisecond, fixedClock(now), logger)
		close(done)
	}()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := s.Get(t.Context(), "old"); errors.Is(err, jobs.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sweeper did not delete the expired job")
		}
	}
	// Then at least one more sweep, with nothing to delete.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "no expired jobs"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no sweep after the deletion:\n%s", logs.String())
		}
	}
	cancel()
	<-done

	assertStored(t, s, withSeq(live, 1))
	out := logs.String()
	if strings.Count(out, "msg=\"deleted expired jobs\" deleted=1") != 1 || !strings.Contains(out, "no expired jobs") {
		t.Errorf("sweeper logs:\n%s\nwant one line about deleting 1 job, then lines about none", out)
	}
}
