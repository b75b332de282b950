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
	mustCreate(t, s, newJob("gate", time.Now()))
	entered, released, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := s.Update(context.Background(), "gate", func(*jobs.Job) error {
			close(entered)
			<-released
			return nil
		})
		done <- err
	}()
	<-entered
	return func() {
		close(released)
		if err := <-done; err != nil {
			t.Errorf("Update(gate): %v", err)
		}
	}
}

// lastTxID is the id of the last committed write transaction.
func lastTxID(t *testing.T, s *Store) int {
	t.Helper()
	var id int
	if err := s.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

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
	ops := []op{
		createOp(a),
		updateOp("a", func(j *jobs.Job) error { j.Attempts = 5; return errFn }),
		createOp(huge),
		updateOp("a", func(j *jobs.Job) error { j.Attempts = 1; return nil }),
		updateOp("a", func(*jobs.Job) error { panic("boom") }),
		createOp(newJob("a", now.Add(time.Second))),
		deleteOp("missing"),
		createOp(dup),
	}
	batch := make([]*request, len(ops))
	for i, o := range ops {
		batch[i] = &request{op: o, done: make(chan result, 1)}
	}
	before := lastTxID(t, s)
	s.commit(batch)
	if txs := lastTxID(t, s) - before; txs != 1 {
		t.Fatalf("commit took %d transactions, want 1", txs)
	}
	res := make([]result, len(batch))
	for i, r := range batch {
		res[i] = <-r.done
	}

	if res[0].err != nil || res[0].job.Seq != 1 {
		t.Errorf("create a: Seq %d, %v; want 1, nil", res[0].job.Seq, res[0].err)
	}
	if !errors.Is(res[1].err, errFn) || res[1].job.Attempts != 0 || res[1].job.Seq != 1 {
		t.Errorf("failing update: Attempts %d, Seq %d, %v; want 0, 1, fn's error", res[1].job.Attempts, res[1].job.Seq, res[1].err)
	}
	// The key is the empty owner, a NUL, then the 32769 bytes of the huge key.
	if res[2].err == nil || !strings.Contains(res[2].err.Error(), "key of 32770 bytes") {
		t.Errorf("create with a huge key: %v, want the key refused", res[2].err)
	}
	if res[3].err != nil || res[3].job.Attempts != 1 || res[3].job.Seq != 2 {
		t.Errorf("update: Attempts %d, Seq %d, %v; want 1, 2, nil", res[3].job.Attempts, res[3].job.Seq, res[3].err)
	}
	if res[4].panicked != "boom" {
		t.Errorf("panicking update: panicked with %v, want boom", res[4].panicked)
	}
	if !errors.Is(res[5].err, jobs.ErrConflict) {
		t.Errorf("create of an existing id: %v, want ErrConflict", res[5].err)
	}
	if res[6].err != nil {
		t.Errorf("delete of a missing job: %v", res[6].err)
	}
	if !errors.Is(res[7].err, jobs.ErrDuplicate) || res[7].job.ID != "a" || res[7].job.Seq != 2 {
		t.Errorf("create with a's key: %s at Seq %d, %v; want a at Seq 2, ErrDuplicate", res[7].job.ID, res[7].job.Seq, res[7].err)
	}
	want := withSeq(a, 2)
	want.Attempts = 1
	assertStored(t, s, want)
	assertGone(t, s, "huge", "dup")
}

func TestGroupCommitIsolatesFailures(t *testing.T) {
	t.Parallel()
	const nJobs, perJob = 10, 20 // half of each job's updates fail
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
				before := lastTxID(t, s)

				var wg sync.WaitGroup
				for i := range nJobs * perJob {
					id, fail := fmt.Sprint("job-", i%nJobs), i/nJobs%2 == 0
					wg.Go(func() {
						got, err := s.Update(t.Context(), id, func(j *jobs.Job) error {
							if fail {
								j.Status, j.Attempts = jobs.StatusFailure, 1000
								return errFn
							}
							j.Attempts++
							return nil
						})
						switch {
						case fail && (!errors.Is(err, errFn) || got.Status != jobs.StatusPending || got.Attempts >= 1000):
							t.Errorf("failing update of %s: %s, Attempts %d, %v; want Pending, fn's error", id, got.Status, got.Attempts, err)
						case !fail && err != nil:
							t.Errorf("update of %s: %v", id, err)
						}
					})
				}
				synctest.Wait() // every update is queued behind the gate
				release()
				wg.Wait()

				for i := range nJobs {
					id, ok := fmt.Sprint("job-", i), perJob/2
					got, err := s.Get(t.Context(), id)
					if err != nil || got.Status != jobs.StatusPending || got.Attempts != ok || got.Seq != int64(1+ok) {
						t.Errorf("%s: %s, Attempts %d, Seq %d, %v; want Pending, %d, %d", id, got.Status, got.Attempts, got.Seq, err, ok, 1+ok)
					}
				}
				// One transaction was the gate's; the queued updates filled
				// the rest, MaxBatch at a time.
				txs, n := lastTxID(t, s)-before-1, nJobs*perJob
				if want := (n + maxBatch - 1) / maxBatch; txs != want {
					t.Errorf("%d queued updates took %d transactions, want %d", n, txs, want)
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
	mustCreate(t, s, newJob("inside", time.Now()))

	// Cancelled once inside the transaction: the update happens.
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	got, err := s.Update(ctx, "inside", func(j *jobs.Job) error {
		cancel()
		j.Attempts = 7
		return nil
	})
	if err != nil || got.Attempts != 7 {
		t.Errorf("Update cancelled in its transaction: Attempts %d, %v; want 7, nil", got.Attempts, err)
	}
	assertStored(t, s, got)
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
