package boltstore

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// crashCopy copies the store's files as they are now, as a kill -9 would
// leave them, and returns the path of the copied data file. The log is read
// first: a checkpoint meanwhile leaves a data file ahead of the log's frames,
// which replay harmlessly.
func crashCopy(t *testing.T, s *Store) string {
	t.Helper()
	log, err := os.ReadFile(s.log.f.Name())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "crashed.db")
	if err := s.db.View(func(tx *bolt.Tx) error { return tx.CopyFile(path, 0o600) }); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(walPath(path), log, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var walNow = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// writeSome makes acknowledged writes of every kind: creates, a soft update
// that a later commit carries, updates, a delete.
func writeSome(t *testing.T, s *Store) {
	t.Helper()
	mustCreate(t, s, newJob("a", walNow))
	b := newJob("b", walNow)
	b.IdempotencyKey = "kb"
	mustCreate(t, s, b)
	mustCreate(t, s, newJob("c", walNow))
	if _, err := s.UpdateSoft(t.Context(), "a", func(j *jobs.Job) error { return j.Start(walNow) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(t.Context(), "b", func(j *jobs.Job) error { return j.Start(walNow) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(t.Context(), "b", func(j *jobs.Job) error { return j.Succeed([]byte(`{}`), walNow) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context(), "c"); err != nil {
		t.Fatal(err)
	}
}

// checkSome fails the test unless s holds what writeSome wrote.
func checkSome(t *testing.T, s *Store) {
	t.Helper()
	if a, err := s.Get(t.Context(), "a"); err != nil || a.Status != jobs.StatusRunning || a.Seq != 2 {
		t.Errorf("a: %s at Seq %d, %v; want Running at Seq 2", a.Status, a.Seq, err)
	}
	if b, err := s.Get(t.Context(), "b"); err != nil || b.Status != jobs.StatusSuccess {
		t.Errorf("b: %s, %v; want Success", b.Status, err)
	}
	assertGone(t, s, "c")
	dup := newJob("dup", walNow)
	dup.IdempotencyKey = "kb"
	if _, err := s.Create(t.Context(), dup); !errors.Is(err, jobs.ErrDuplicate) {
		t.Errorf("create with b's key: %v, want ErrDuplicate", err)
	}
	list, err := s.Unfinished(t.Context())
	if err != nil || len(list) != 1 || list[0].ID != "a" {
		t.Errorf("Unfinished: %d jobs, %v; want a alone", len(list), err)
	}
}

func TestCrashRecoversAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	never := time.Hour
	for _, tc := range []struct {
		name string
		opts Options
		// hooked: copy the files in the checkpoint, between the data
		// file's transaction and the log's truncation.
		hooked bool
	}{
		{name: "logged, not checkpointed", opts: Options{checkpointEvery: never}},
		{name: "checkpointed, log not truncated", opts: Options{checkpointEvery: never, checkpointKeys: 1}, hooked: true},
		{name: "checkpointed, log truncated", opts: Options{checkpointEvery: never, checkpointKeys: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var copied string
			var s *Store
			if tc.hooked {
				tc.opts.checkpointed = func() { copied = crashCopy(t, s) }
			}
			s = open(t, filepath.Join(t.TempDir(), "jobs.db"), tc.opts)
			writeSome(t, s)
			if !tc.hooked {
				copied = crashCopy(t, s)
			}
			logged, err := os.ReadFile(walPath(copied))
			if err != nil {
				t.Fatal(err)
			}
			if tc.name != "checkpointed, log truncated" && len(logged) == 0 {
				t.Fatal("the copied log is empty; the case tests nothing")
			}
			recovered := open(t, copied, Options{})
			checkSome(t, recovered)

			// A crash in the recovery, after its transaction and before
			// the truncation, leaves the frames to replay a second time.
			if err := recovered.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(walPath(copied), logged, 0o600); err != nil {
				t.Fatal(err)
			}
			checkSome(t, open(t, copied, Options{}))
		})
	}
}
