package boltstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// hold keeps the committer inside a transaction, so that the writes submitted
// meanwhile queue up, until release is called.
func hold(t *testing.T, s *Store) (release func()) {
	t.Helper()
	entered, released, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := s.submit(context.Background(), &request{op: func(*view) (jobs.Job, []change, error) {
			close(entered)
			<-released
			return jobs.Job{}, nil, nil
		}})
		done <- err
	}()
	<-entered
	return func() {
		close(released)
		if err := <-done; err != nil {
			t.Errorf("held commit: %v", err)
		}
	}
}

// lastFrame is the sequence number of the last frame logged, one per commit
// that changes anything. Call it while the committer waits.
func lastFrame(s *Store) uint64 { return s.log.seq }

func TestCommitIsolatesFailingRequests(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newJob("a", now)
	a.IdempotencyKey = "ka"
	huge := newJob("huge", now)
	huge.IdempotencyKey = strings.Repeat("k", bolt.MaxKeySize+1)
	dup := newJob("dup", now)
	dup.IdempotencyKey = "ka"
	running := withSeq(a, 2)
	running.Status = jobs.StatusRunning
	rec, _ := encodeRecord(running)
	ops := []op{
		createOp(newEntry(a)),
		updateOp("missing", recordChanges(&a, withSeq(newJob("missing", now), 2), rec)),
		createOp(newEntry(huge)),
		updateOp("a", recordChanges(&a, running, rec)),
		createOp(newEntry(newJob("a", now.Add(time.Second)))),
		deleteOp("missing"),
		createOp(newEntry(dup)),
	}
	batch := make([]*request, len(ops))
	for i, o := range ops {
		batch[i] = &request{op: o, done: make(chan result, 1)}
	}
	before := lastFrame(s)
	s.commit(batch)
	if frames := lastFrame(s) - before; frames != 1 {
		t.Fatalf("commit took %d frames, want 1", frames)
	}
	res := make([]result, len(batch))
	for i, r := range batch {
		res[i] = <-r.done
	}
	if res[0].err != nil {
		t.Errorf("create a: %v", res[0].err)
	}
	if !errors.Is(res[1].err, jobs.ErrNotFound) {
		t.Errorf("update of a missing job: %v, want ErrNotFound", res[1].err)
	}
	// The key is the empty owner, a NUL, then the 32769 bytes of the huge key.
	if res[2].err == nil || !strings.Contains(res[2].err.Error(), "key of 32770 bytes") {
		t.Errorf("create with a huge key: %v, want the key refused", res[2].err)
	}
	if res[3].err != nil {
		t.Errorf("update: %v", res[3].err)
	}
	if !errors.Is(res[4].err, jobs.ErrConflict) {
		t.Errorf("create of an existing id: %v, want ErrConflict", res[4].err)
	}
	if res[5].err != nil {
		t.Errorf("delete of a missing job: %v", res[5].err)
	}
	if !errors.Is(res[6].err, jobs.ErrDuplicate) || res[6].job.ID != "a" || res[6].job.Seq != 2 {
		t.Errorf("create with a's key: %s at Seq %d, %v; want a at Seq 2, ErrDuplicate", res[6].job.ID, res[6].job.Seq, res[6].err)
	}
	assertStored(t, s, running)
	assertGone(t, s, "huge", "dup", "missing")
}

func TestGroupCommitIsolatesFailures(t *testing.T) {
	t.Parallel()
	const nJobs = 100 // each with a failing update, then one that commits
	for _, maxBatch := range []int{DefaultMaxBatch, 7} {
		t.Run(fmt.Sprintf("MaxBatch=%d", maxBatch), func(t *testing.T) {
			t.Parallel()
			// In a synctest bubble, synctest.Wait returns once every update
			// waits for the held committer: the batches are then known.
			synctest.Test(t, func(t *testing.T) {
				s := open(t, filepath.Join(t.TempDir(), "jobs.db"), Options{MaxBatch: maxBatch})
				for i := range nJobs {
					mustCreate(t, s, newJob(fmt.Sprint("job-", i), time.Now()))
				}
				release := hold(t, s)
				before := lastFrame(s)

				var wg sync.WaitGroup
				for i := range nJobs {
					id := fmt.Sprint("job-", i)
					got, err := s.Update(t.Context(), id, func(j *jobs.Job) error {
						j.Status, j.Attempts = jobs.StatusFailure, 1000
						return errFn
					})
					if !errors.Is(err, errFn) || got.Status != jobs.StatusPending || got.Attempts >= 1000 {
						t.Errorf("failing update of %s: %s, Attempts %d, %v; want Pending, fn's error", id, got.Status, got.Attempts, err)
					}
					wg.Go(func() {
						if _, err := s.Update(t.Context(), id, func(j *jobs.Job) error { j.Attempts++; return nil }); err != nil {
							t.Errorf("update of %s: %v", id, err)
						}
					})
				}
				synctest.Wait() // every update that commits is queued behind the gate
				release()
				wg.Wait()

				for i := range nJobs {
					id := fmt.Sprint("job-", i)
					got, err := s.Get(t.Context(), id)
					if err != nil || got.Status != jobs.StatusPending || got.Attempts != 1 || got.Seq != 2 {
						t.Errorf("%s: %s, Attempts %d, Seq %d, %v; want Pending, 1, 2", id, got.Status, got.Attempts, got.Seq, err)
					}
				}
				// The gate, which changes nothing, and the failing updates
				// took no frame; the queued updates took the frames, MaxBatch
				// at a time.
				if frames, want := lastFrame(s)-before, uint64(nJobs+maxBatch-1)/uint64(maxBatch); frames != want {
					t.Errorf("%d queued updates took %d frames, want %d", nJobs, frames, want)
				}
			})
		})
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for i := range 20 {
		id := fmt.Sprint("cancelled-", i)
		if _, err := s.Create(ctx, newJob(id, time.Now())); !errors.Is(err, context.Canceled) {
			t.Errorf("Create with a cancelled context: %v, want context.Canceled", err)
		}
		assertGone(t, s, id)
	}

	t.Run("while queued", func(t *testing.T) {
		// In a synctest bubble, synctest.Wait returns once the Create waits
		// for the held committer: the cancellation then finds it queued.
		synctest.Test(t, func(t *testing.T) {
			s, _ := setup(t)
			release := hold(t, s)
			ctx, cancel := context.WithCancel(t.Context())
			errc := make(chan error, 1)
			go func() {
				_, err := s.Create(ctx, newJob("queued", time.Now()))
				errc <- err
			}()
			synctest.Wait()
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "waiting to commit") {
				t.Errorf("Create cancelled while queued: %v, want context.Canceled while waiting to commit", err)
			}
			release()
			assertGone(t, s, "queued")
		})
	})
	before := mustCreate(t, s, newJob("fn-cancels", time.Now()))
	// Cancelled by fn, which runs before the commit: nothing happens.
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	_, err := s.Update(ctx, "fn-cancels", func(j *jobs.Job) error {
		cancel()
		j.Attempts = 7
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update cancelled by its fn: %v, want context.Canceled", err)
	}
	assertStored(t, s, before)
}

func TestUpdatePanic(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	mustCreate(t, s, newJob("a", time.Now()))
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("Update panicked with %v, want boom", p)
			}
		}()
		_, _ = s.Update(t.Context(), "a", func(j *jobs.Job) error {
			j.Attempts = 1000
			panic("boom")
		})
	}()
	if got := mustUpdate(t, s, "a", func(j *jobs.Job) { j.Attempts++ }); got.Attempts != 1 || got.Seq != 2 {
		t.Errorf("Update after the panic: Attempts %d, Seq %d; want 1, 2", got.Attempts, got.Seq)
	}
}
