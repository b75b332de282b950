package boltstore

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// onDisk returns the job as the files hold it now: it copies them and opens
// the copy, as a restart after a crash would find them.
func onDisk(t *testing.T, s *Store, id string) (jobs.Job, error) {
	t.Helper()
	snapshot := open(t, crashCopy(t, s), Options{})
	defer snapshot.Close()
	return snapshot.Get(t.Context(), id)
}

func TestSoftChangeIsDurableWithTheNextCommit(t *testing.T) {
	t.Parallel()
	s, path := setup(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	mustCreate(t, s, newJob("a", now))
	started, err := s.UpdateSoft(t.Context(), "a", func(j *jobs.Job) error { return j.Start(now) })
	if err != nil {
		t.Fatal(err)
	}
	assertStored(t, s, started)
	if j, err := onDisk(t, s, "a"); err != nil || j.Status != jobs.StatusPending || j.Seq != 1 {
		t.Fatalf("on disk after UpdateSoft: %s at Seq %d, %v; want Pending at Seq 1 (not durable yet)", j.Status, j.Seq, err)
	}

	mustCreate(t, s, newJob("b", now)) // a durable write of another job
	if j, err := onDisk(t, s, "a"); err != nil || j.Status != jobs.StatusRunning || j.Seq != 2 {
		t.Fatalf("on disk after the next commit: %s at Seq %d, %v; want Running at Seq 2", j.Status, j.Seq, err)
	}

	// Soft changes of one job coalesce; Close writes what is left.
	for range 3 {
		if _, err := s.UpdateSoft(t.Context(), "a", func(j *jobs.Job) error { return j.Report(jobs.Progress{Current: int(j.Seq)}, now) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path, Options{})
	if j, err := s.Get(t.Context(), "a"); err != nil || j.Seq != 5 || j.Progress == nil || j.Progress.Current != 4 {
		t.Errorf("after Close and Open: Seq %d, progress %+v, %v; want Seq 5, progress 4", j.Seq, j.Progress, err)
	}
}

func TestSoftTerminalChangeIsDurable(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	mustCreate(t, s, newJob("a", now))
	if _, err := s.UpdateSoft(t.Context(), "a", func(j *jobs.Job) error { return j.Cancel(now) }); err != nil {
		t.Fatal(err)
	}
	if j, err := onDisk(t, s, "a"); err != nil || j.Status != jobs.StatusCancelled {
		t.Errorf("on disk after a soft Cancel: %s, %v; want Cancelled", j.Status, err)
	}
}

func TestDeletedJobsSoftChangesAreDropped(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, id := range []string{"deleted", "expired"} {
		j := newJob(id, now)
		j.ExpiresAt = now.Add(time.Minute)
		mustCreate(t, s, j)
		if _, err := s.UpdateSoft(t.Context(), id, func(j *jobs.Job) error { return j.Start(now) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(t.Context(), "deleted"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteExpired(t.Context(), now.Add(time.Hour)); n != 1 || err != nil {
		t.Fatalf("DeleteExpired: %d, %v; want 1, nil", n, err)
	}
	mustCreate(t, s, newJob("next", now)) // the next commit
	assertGone(t, s, "deleted", "expired")
	for _, id := range []string{"deleted", "expired"} {
		if j, err := onDisk(t, s, id); err == nil {
			t.Errorf("on disk: %s is back as %s", id, j.Status)
		}
		if _, err := s.UpdateSoft(t.Context(), id, func(*jobs.Job) error { return nil }); err == nil {
			t.Errorf("UpdateSoft of %s after its deletion succeeded", id)
		}
	}
}

func TestSoftChangeDuringDeletionIsDropped(t *testing.T) {
	t.Parallel()
	// In a synctest bubble, synctest.Wait returns once a write waits for the
	// held committer: the order of the batch is then known.
	synctest.Test(t, func(t *testing.T) {
		s, _ := setup(t)
		now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		mustCreate(t, s, newJob("a", now))
		release := hold(t, s)
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := s.Delete(t.Context(), "a"); err != nil {
				t.Error(err)
			}
		})
		synctest.Wait()
		// Next in the batch, so inside the transaction that deletes a.
		wg.Go(func() {
			_, err := s.submit(t.Context(), &request{op: func(*view) (jobs.Job, []change, error) {
				_, err := s.UpdateSoft(t.Context(), "a", func(j *jobs.Job) error { return j.Start(now) })
				return jobs.Job{}, nil, err
			}})
			if err != nil {
				t.Error(err)
			}
		})
		synctest.Wait()
		release()
		wg.Wait()
		mustCreate(t, s, newJob("next", now)) // the next commit
		assertGone(t, s, "a")
		if j, err := onDisk(t, s, "a"); err == nil {
			t.Errorf("on disk: a is back as %s", j.Status)
		}
	})
}

// TestHeldJobsAreNotReadFromTheFile spoils the records of an unfinished and
// a finished job in the file: the unfinished one, which the store holds,
// still reads and updates from memory.
func TestHeldJobsAreNotReadFromTheFile(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "jobs.db"), Options{checkpointKeys: 1}) // every commit reaches the file
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	held := mustCreate(t, s, newJob("held", now))
	finished := newJob("finished", now)
	finished.Status = jobs.StatusSuccess
	mustCreate(t, s, finished)
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, id := range []string{"held", "finished"} {
			if err := tx.Bucket(bucketJobs).Put([]byte(id), []byte{recordVersion, 0xff}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(t.Context(), "finished"); !errors.Is(err, errCorrupt) {
		t.Errorf("Get(finished) from its spoilt record: %v, want errCorrupt", err)
	}
	assertStored(t, s, held)
	if _, err := s.UpdateSoft(t.Context(), "held", func(j *jobs.Job) error { return j.Start(now) }); err != nil {
		t.Errorf("UpdateSoft(held): %v", err)
	}
	done, err := s.Update(t.Context(), "held", func(j *jobs.Job) error { return j.Succeed([]byte(`{}`), now) })
	if err != nil {
		t.Fatalf("Update(held): %v", err)
	}
	assertStored(t, s, done) // written whole again, and read from the file now
	// Leave no spoilt record for the index check at the end.
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketJobs).Delete([]byte("finished")) }); err != nil {
		t.Fatal(err)
	}
}
