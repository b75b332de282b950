package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

var errFn = errors.New("storetest: fn refuses")

func testRoundTrip(t *testing.T, s jobs.Store) {
	now := base()
	for _, j := range []jobs.Job{fullJob(now), newJob(now)} {
		mustCreate(t, s, j)
		assertJob(t, "Get after Create", withSeq(j, 1), mustGet(t, s, j.ID))
	}
}

func testNoAliasing(t *testing.T, s jobs.Store) {
	now := base()
	j := fullJob(now)
	want := withSeq(j, 1)
	want.Parameters = append([]byte(nil), j.Parameters...)
	want.Results = append([]byte(nil), j.Results...)
	want.Error, want.Progress = new(*j.Error), new(*j.Progress)
	created := mustCreate(t, s, j)

	scribble := func(j *jobs.Job) {
		j.Parameters[0], j.Results[0] = 'X', 'X'
		j.Error.Message = "scribbled"
		j.Progress.Current = -1
	}
	scribble(&j)
	scribble(&created)
	assertJob(t, "Get after changing what Create took and returned", want, mustGet(t, s, j.ID))

	scribble(new(mustGet(t, s, j.ID)))
	assertJob(t, "Get after changing what Get returned", want, mustGet(t, s, j.ID))

	var kept *jobs.Job
	updated, err := s.Update(t.Context(), j.ID, func(j *jobs.Job) error {
		kept = j
		j.Attempts++
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	scribble(kept)
	scribble(&updated)
	want.Attempts, want.Seq = want.Attempts+1, 2
	assertJob(t, "Get after changing what fn got and Update returned", want, mustGet(t, s, j.ID))
}

func testGetMissing(t *testing.T, s jobs.Store) {
	_, err := s.Get(t.Context(), newID())
	if !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("Get of a missing job: error %v, want ErrNotFound", err)
	}
}

func testCreateExistingID(t *testing.T, s jobs.Store) {
	now := base()
	first := newJob(now)
	mustCreate(t, s, first)
	second := fullJob(now)
	second.ID = first.ID
	if _, err := s.Create(t.Context(), second); !errors.Is(err, jobs.ErrConflict) {
		t.Fatalf("Create of an existing id: error %v, want ErrConflict", err)
	}
	assertJob(t, "Get after the refused Create", withSeq(first, 1), mustGet(t, s, first.ID))
}

func testDuplicateKey(t *testing.T, s jobs.Store) {
	now := base()
	first := fullJob(now)
	mustCreate(t, s, first)

	second := newJob(now.Add(time.Minute))
	second.Owner, second.IdempotencyKey = first.Owner, first.IdempotencyKey
	got, err := s.Create(t.Context(), second)
	if !errors.Is(err, jobs.ErrDuplicate) {
		t.Fatalf("Create with a held idempotency key: error %v, want ErrDuplicate", err)
	}
	assertJob(t, "job returned with ErrDuplicate", withSeq(first, 1), got)
	if _, err := s.Get(t.Context(), second.ID); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Get of the duplicate: error %v, want ErrNotFound (nothing stored)", err)
	}
}

func testKeyPerOwner(t *testing.T, s jobs.Store) {
	now := base()
	first := fullJob(now)
	mustCreate(t, s, first)

	other := newJob(now)
	other.Owner = first.Owner + "-other"
	other.IdempotencyKey = first.IdempotencyKey
	got, err := s.Create(t.Context(), other)
	if err != nil {
		t.Fatalf("Create with another owner's key: %v, want it stored", err)
	}
	assertJob(t, "the other owner's job", withSeq(other, 1), got)
	// The update closure cannot move a job to another owner.
	updated, err := s.Update(t.Context(), first.ID, func(j *jobs.Job) error {
		j.Owner = "thief"
		return nil
	})
	if err != nil || updated.Owner != first.Owner {
		t.Fatalf("Update that changes the owner: owner %q, %v; want %q kept", updated.Owner, err, first.Owner)
	}
}

func testExpiredKeyHolder(t *testing.T, s jobs.Store) {
	cases := []struct {
		name  string
		after time.Duration // from the holder's ExpiresAt to the new job's CreatedAt
	}{
		{"long expired", time.Hour},
		{"expires as the new job is created", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := base()
			holder := newJob(now)
			holder.ExpiresAt = now.Add(time.Hour)
			holder.IdempotencyKey = "key-" + newID()
			mustCreate(t, s, holder)

			replacement := newJob(holder.ExpiresAt.Add(c.after))
			replacement.IdempotencyKey = holder.IdempotencyKey
			mustCreate(t, s, replacement)

			// The key is the replacement's now.
			third := newJob(replacement.CreatedAt.Add(time.Second))
			third.IdempotencyKey = holder.IdempotencyKey
			got, err := s.Create(t.Context(), third)
			if !errors.Is(err, jobs.ErrDuplicate) {
				t.Fatalf("Create with the replacement's key: error %v, want ErrDuplicate", err)
			}
			if got.ID != replacement.ID {
				t.Errorf("key held by %s, want the replacement %s", got.ID, replacement.ID)
			}
		})
	}
}

func testUpdate(t *testing.T, s jobs.Store) {
	now := base()
	j := newJob(now)
	mustCreate(t, s, j)

	want := withSeq(j, 2)
	want.Status, want.Attempts, want.StartedAt = jobs.StatusRunning, 1, now.Add(time.Second)
	want.Progress = &jobs.Progress{Step: "start", Current: 1, Total: 10}
	updated, err := s.Update(t.Context(), j.ID, func(j *jobs.Job) error {
		j.Status, j.Attempts, j.StartedAt = jobs.StatusRunning, 1, now.Add(time.Second)
		j.Progress = &jobs.Progress{Step: "start", Current: 1, Total: 10}
		j.ID, j.Seq = "someone-else", 1000 // the store's to decide
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	assertJob(t, "Update", want, updated)
	assertJob(t, "Get after Update", want, mustGet(t, s, j.ID))

	want.Status, want.Seq = jobs.StatusSuccess, 3
	want.Results, want.FinishedAt = []byte(`{"done":true}`), now.Add(2*time.Second)
	updated, err = s.Update(t.Context(), j.ID, func(j *jobs.Job) error {
		j.Status, j.Results, j.FinishedAt = jobs.StatusSuccess, []byte(`{"done":true}`), now.Add(2*time.Second)
		return nil
	})
	if err != nil {
		t.Fatalf("second Update: %v", err)
	}
	assertJob(t, "second Update", want, updated)
	assertJob(t, "Get after second Update", want, mustGet(t, s, j.ID))
}

func testUpdateFnError(t *testing.T, s jobs.Store) {
	j := fullJob(base())
	mustCreate(t, s, j)
	got, err := s.Update(t.Context(), j.ID, func(j *jobs.Job) error {
		j.Status, j.Attempts = jobs.StatusFailure, 99
		j.Progress.Current = 99
		return errFn
	})
	if !errors.Is(err, errFn) {
		t.Fatalf("Update: error %v, want fn's", err)
	}
	assertJob(t, "job returned with fn's error", withSeq(j, 1), got)
	assertJob(t, "Get after fn's error", withSeq(j, 1), mustGet(t, s, j.ID))
}

func testUpdateTerminal(t *testing.T, s jobs.Store) {
	for _, status := range []jobs.Status{jobs.StatusSuccess, jobs.StatusFailure, jobs.StatusCancelled} {
		t.Run(string(status), func(t *testing.T) {
			j := newJob(base())
			mustCreate(t, s, j)
			finished, err := s.Update(t.Context(), j.ID, func(j *jobs.Job) error {
				j.Status = status
				return nil
			})
			if err != nil {
				t.Fatalf("Update to %s: %v", status, err)
			}

			called := false
			got, err := s.Update(t.Context(), j.ID, func(j *jobs.Job) error {
				called = true
				j.Status = jobs.StatusRunning
				return nil
			})
			if !errors.Is(err, jobs.ErrTerminal) {
				t.Fatalf("Update of a %s job: error %v, want ErrTerminal", status, err)
			}
			if called {
				t.Error("fn was called for a terminal job")
			}
			assertJob(t, "job returned with ErrTerminal", finished, got)
			assertJob(t, "Get after ErrTerminal", finished, mustGet(t, s, j.ID))
		})
	}
}

func testUpdateMissing(t *testing.T, s jobs.Store) {
	called := false
	_, err := s.Update(t.Context(), newID(), func(*jobs.Job) error {
		called = true
		return nil
	})
	if !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("Update of a missing job: error %v, want ErrNotFound", err)
	}
	if called {
		t.Error("fn was called for a missing job")
	}
}

func testDelete(t *testing.T, s jobs.Store) {
	now := base()
	j := fullJob(now)
	mustCreate(t, s, j)
	if err := s.Delete(t.Context(), j.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(t.Context(), j.ID); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Get after Delete: error %v, want ErrNotFound", err)
	}
	if err := s.Delete(t.Context(), j.ID); err != nil {
		t.Errorf("Delete of a deleted job: %v, want no error", err)
	}

	again := newJob(now.Add(time.Second))
	again.Owner, again.IdempotencyKey = j.Owner, j.IdempotencyKey
	mustCreate(t, s, again)
	assertJob(t, "Get of the job that took the freed key", withSeq(again, 1), mustGet(t, s, again.ID))
}

func testConcurrentUpdates(t *testing.T, s jobs.Store) {
	const writers = 20
	j := newJob(base())
	mustCreate(t, s, j)

	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			if err := increment(t, s, j.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	got := mustGet(t, s, j.ID)
	if got.Progress == nil || got.Progress.Current != writers {
		t.Errorf("counter: got %+v, want Current %d", got.Progress, writers)
	}
	if got.Seq != 1+writers {
		t.Errorf("Seq: got %d, want %d", got.Seq, 1+writers)
	}
}

// increment adds 1 to the job's Progress.Current. A store may refuse a write
// that lost a race with ErrConflict, as a DynamoDB conditional put does;
// increment then tries again, as a caller of the port would.
func increment(t *testing.T, s jobs.Store, id string) error {
	const tries = 100
	var err error
	for range tries {
		_, err = s.Update(t.Context(), id, func(j *jobs.Job) error {
			if j.Progress == nil {
				j.Progress = &jobs.Progress{Step: "count"}
			}
			j.Progress.Current++
			return nil
		})
		if !errors.Is(err, jobs.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("update in conflict %d times in a row: %w", tries, err)
}
