package boltstore

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
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

// TestTornOrCorruptLastFrameIsIgnored logs a job's creation and its start,
// spoils the log, and checks what the recovery makes of it.
func TestTornOrCorruptLastFrameIsIgnored(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// spoil changes the log, whose second and last frame starts at second.
		spoil       func(log []byte, second int) []byte
		wantStarted bool
	}{
		{"cut short", func(log []byte, _ int) []byte { return log[:len(log)-3] }, false},
		{"header cut short", func(log []byte, second int) []byte { return log[:second+5] }, false},
		{"bad checksum", func(log []byte, _ int) []byte { log[len(log)-1] ^= 0xff; return log }, false},
		{"garbage after it", func(log []byte, _ int) []byte { return append(log, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5) }, true},
		{"an old frame after it", func(log []byte, second int) []byte { return append(log, log[:second]...) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t, filepath.Join(t.TempDir(), "jobs.db"), Options{checkpointEvery: time.Hour})
			pending := mustCreate(t, s, newJob("a", walNow))
			second := s.log.size
			started, err := s.Update(t.Context(), "a", func(j *jobs.Job) error { return j.Start(walNow) })
			if err != nil {
				t.Fatal(err)
			}
			copied := crashCopy(t, s)
			log, err := os.ReadFile(walPath(copied))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(walPath(copied), tc.spoil(log, int(second)), 0o600); err != nil {
				t.Fatal(err)
			}
			recovered := open(t, copied, Options{})
			if tc.wantStarted {
				assertStored(t, recovered, started)
			} else {
				assertStored(t, recovered, pending)
			}
			if info, err := os.Stat(walPath(copied)); err != nil || info.Size() != 0 {
				t.Errorf("log after the recovery: %v, %v; want it empty", info, err)
			}
			mustCreate(t, recovered, newJob("b", walNow)) // logs on
		})
	}
}

// TestReadsSeeTheOverlay checks the reads of changes that only the log and
// the overlay hold: puts, and deletes of what the data file holds.
func TestReadsSeeTheOverlay(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "jobs.db")
	opts := Options{checkpointEvery: time.Hour}
	s := open(t, path, opts)
	gone := newJob("gone", walNow)
	gone.IdempotencyKey = "k"
	mustCreate(t, s, gone)
	mustCreate(t, s, newJob("kept", walNow))
	if err := s.Close(); err != nil { // checkpoints
		t.Fatal(err)
	}
	s = open(t, path, opts)
	finished := newJob("finished", walNow)
	finished.Status = jobs.StatusSuccess
	mustCreate(t, s, finished) // not held: read back from the overlay
	mustCreate(t, s, newJob("new", walNow))
	if err := s.Delete(t.Context(), "gone"); err != nil {
		t.Fatal(err)
	}
	readView(t, s, func(tx *view) error {
		if tx.tx.Bucket(bucketJobs).Get([]byte("gone")) == nil || tx.tx.Bucket(bucketJobs).Get([]byte("finished")) != nil {
			t.Error("the data file is not as the test needs: gone in it, finished not")
		}
		return nil
	})

	assertStored(t, s, finished)
	if enc, err := s.GetEncoded(t.Context(), "finished"); err != nil || enc.Status != jobs.StatusSuccess {
		t.Errorf("GetEncoded(finished): %s, %v; want Success", enc.Status, err)
	}
	assertGone(t, s, "gone")
	if _, err := s.Update(t.Context(), "gone", func(*jobs.Job) error { return nil }); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Update(gone): %v, want ErrNotFound", err)
	}
	taker := newJob("taker", walNow)
	taker.IdempotencyKey = "k" // freed by the delete
	mustCreate(t, s, taker)
	if _, err := s.Create(t.Context(), newJob("finished", walNow)); !errors.Is(err, jobs.ErrConflict) {
		t.Errorf("Create(finished) again: %v, want ErrConflict", err)
	}
	// A fresh store holds nothing, so Unfinished reads the jobs: "kept" from
	// the file, "new" and "taker" from the overlay, not "gone".
	s.mu.Lock()
	clear(s.held)
	s.mu.Unlock()
	list, err := s.Unfinished(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, j := range list {
		ids = append(ids, j.ID)
	}
	if want := []string{"kept", "new", "taker"}; !slices.Equal(ids, want) {
		t.Errorf("Unfinished: %q, want %q", ids, want)
	}
}
