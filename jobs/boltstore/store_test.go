package boltstore

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/storetest"
)

var errFn = errors.New("fn refuses")

// setup returns an open store in a new file and the file's path. When the test
// ends it checks the store's indexes and closes it.
func setup(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jobs.db")
	return open(t, path, Options{}), path
}

// open opens the store at path, to be checked and closed when the test ends.
func open(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-s.quit: // closed by the test
		default:
			checkIndexes(t, s)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// checkIndexes fails the test unless the index buckets say exactly what the
// jobs bucket implies.
func checkIndexes(t *testing.T, s *Store) {
	t.Helper()
	readView(t, s, func(tx *view) error {
		unfinished, expiry, idempotency := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for k := range tx.Bucket(bucketJobs).keys() {
			j, err := decodeRecord(tx.Bucket(bucketJobs).Get(k))
			if err != nil {
				return err
			}
			if j.ID != string(k) {
				t.Errorf("job stored under %q has ID %q", k, j.ID)
			}
			if !j.Status.Terminal() {
				unfinished[j.ID] = true
			}
			if !j.ExpiresAt.IsZero() {
				expiry[string(expiryKey(j.ExpiresAt, j.ID))] = true
			}
			if j.IdempotencyKey != "" && string(tx.Bucket(bucketIdempotency).Get(idempotencyKey(j.Owner, j.IdempotencyKey))) == j.ID {
				idempotency[string(idempotencyKey(j.Owner, j.IdempotencyKey))] = true
			}
		}
		for name, want := range map[string]map[string]bool{
			"unfinished": unfinished, "expiry": expiry, "idempotency": idempotency,
		} {
			if got := keys(tx, []byte(name)); !maps.Equal(got, want) {
				t.Errorf("bucket %s holds %q, want %q", name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
		}
		return nil
	})
}

// readView runs fn with a view of the store as its readers see it, and fails
// the test if fn fails.
func readView(t *testing.T, s *Store, fn func(tx *view) error) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.read(fn); err != nil {
		t.Fatal(err)
	}
}

// keys returns the keys of the bucket, as the view sees them.
func keys(tx *view, bucket []byte) map[string]bool {
	m := map[string]bool{}
	for k := range tx.Bucket(bucket).keys() {
		m[string(k)] = true
	}
	return m
}

// newJob is a Pending job created at createdAt that never expires.
func newJob(id string, createdAt time.Time) jobs.Job {
	return jobs.Job{ID: id, Type: "test", Status: jobs.StatusPending, CreatedAt: createdAt, UpdatedAt: createdAt, Seq: 1}
}

func mustCreate(t *testing.T, s *Store, j jobs.Job) jobs.Job {
	t.Helper()
	j, err := s.Create(t.Context(), j)
	if err != nil {
		t.Fatalf("Create(%s): %v", j.ID, err)
	}
	return j
}

func mustUpdate(t *testing.T, s *Store, id string, fn func(*jobs.Job)) jobs.Job {
	t.Helper()
	j, err := s.Update(t.Context(), id, func(j *jobs.Job) error { fn(j); return nil })
	if err != nil {
		t.Fatalf("Update(%s): %v", id, err)
	}
	return j
}

// assertStored fails the test unless the store holds exactly want under want.ID.
func assertStored(t *testing.T, s *Store, want jobs.Job) {
	t.Helper()
	got, err := s.Get(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("Get(%s): %v", want.ID, err)
	}
	g, _ := encodeRecord(got)
	w, _ := encodeRecord(want)
	if !bytes.Equal(g, w) {
		t.Errorf("stored job:\n got %s\nwant %s", g, w)
	}
}

func assertGone(t *testing.T, s *Store, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := s.Get(t.Context(), id); !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("Get(%s): error %v, want ErrNotFound", id, err)
		}
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) jobs.Store {
		s, _ := setup(t)
		return s
	})
}

func TestReopen(t *testing.T) {
	t.Parallel()
	s, path := setup(t)
	now := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	pending := newJob("pending", now)
	pending.IdempotencyKey, pending.ExpiresAt = "key", now.Add(time.Hour)
	pending = mustCreate(t, s, pending)
	mustCreate(t, s, newJob("done", now))
	done := mustUpdate(t, s, "done", func(j *jobs.Job) { j.Status, j.Results = jobs.StatusSuccess, []byte(`{"ok":true}`) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path, Options{})
	assertStored(t, s, pending)
	assertStored(t, s, done)
	dup := newJob("dup", now.Add(time.Minute))
	dup.IdempotencyKey = "key"
	if got, err := s.Create(t.Context(), dup); !errors.Is(err, jobs.ErrDuplicate) || got.ID != "pending" {
		t.Errorf("Create with the key after reopening: %s, %v; want pending, ErrDuplicate", got.ID, err)
	}
	unfinished, err := s.Unfinished(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(unfinished) != 1 || unfinished[0].ID != "pending" {
		t.Errorf("Unfinished after reopening: %v, want [pending]", ids(unfinished))
	}
}

func ids(list []jobs.Job) []string {
	out := make([]string, len(list))
	for i, j := range list {
		out[i] = j.ID
	}
	return out
}

func TestUnfinished(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	jobsAt := []struct {
		id     string
		minute int
		status jobs.Status // created with this status
		then   jobs.Status // then updated to this one, if set
	}{
		{"alpha", 5, jobs.StatusPending, jobs.StatusRunning},
		{"zeta", 1, jobs.StatusPending, ""},
		{"delta", 4, jobs.StatusPending, jobs.StatusFailure},
		{"gamma", 3, jobs.StatusSuccess, ""},
		{"omega", 2, jobs.StatusRunning, ""},
		{"beta", 1, jobs.StatusPending, ""}, // same CreatedAt as zeta: by id
		{"epsilon", 0, jobs.StatusCancelled, ""},
		{"eta", 6, jobs.StatusPending, jobs.StatusCancelled},
	}
	for _, j := range jobsAt {
		job := newJob(j.id, t0.Add(time.Duration(j.minute)*time.Minute))
		job.Status = j.status
		mustCreate(t, s, job)
		if j.then != "" {
			mustUpdate(t, s, j.id, func(job *jobs.Job) { job.Status = j.then })
		}
	}
	got, err := s.Unfinished(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"beta", "zeta", "omega", "alpha"}; !slices.Equal(ids(got), want) {
		t.Fatalf("Unfinished: %v, want %v", ids(got), want)
	}
	if got[3].Status != jobs.StatusRunning || got[3].Seq != 2 {
		t.Errorf("Unfinished returned alpha as %s with Seq %d, want Running with Seq 2", got[3].Status, got[3].Seq)
	}
}

func withSeq(j jobs.Job, seq int64) jobs.Job {
	j.Seq = seq
	return j
}

// createMany creates n jobs from 50 goroutines.
func createMany(t testing.TB, s *Store, n int, job func(i int) jobs.Job) {
	t.Helper()
	var wg sync.WaitGroup
	next := make(chan int)
	for range 50 {
		wg.Go(func() {
			for i := range next {
				if _, err := s.Create(t.Context(), job(i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func TestOpenInUse(t *testing.T) {
	t.Parallel()
	_, path := setup(t)
	start := time.Now()
	s, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	if err == nil {
		s.Close()
		t.Fatal("second Open of the same file succeeded")
	}
	if !strings.Contains(err.Error(), "in use") || !errors.Is(err, berrors.ErrTimeout) {
		t.Errorf("second Open: %v, want an error that says the file is in use", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("second Open gave up after %s, want about 100ms", elapsed)
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	mustCreate(t, s, newJob("a", time.Now()))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(t.Context(), newJob("b", time.Now())); !errors.Is(err, jobs.ErrUnavailable) {
		t.Errorf("Create after Close: %v, want ErrUnavailable", err)
	}
	if _, err := s.Get(t.Context(), "a"); !errors.Is(err, jobs.ErrUnavailable) {
		t.Errorf("Get after Close: %v, want ErrUnavailable", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestAscendingKeysFillPages stores jobs in id order, as UUIDv7 ids come, and
// checks that the jobs and expiry buckets' pages end up mostly full: bbolt's
// default split leaves pages half empty when keys only grow.
func TestAscendingKeysFillPages(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for i := range 3000 {
		j := newJob(fmt.Sprintf("job-%06d", i), at.Add(time.Duration(i)*time.Millisecond))
		j.Status, j.ExpiresAt = jobs.StatusSuccess, j.CreatedAt.Add(time.Hour)
		wg.Go(func() {
			if _, err := s.Create(t.Context(), j); err != nil {
				t.Error(err)
			}
		})
		if i%100 == 99 {
			wg.Wait() // batches in id order, as time-ordered ids arrive
		}
	}
	wg.Wait()
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, b := range []struct {
			name []byte
			min  float64
		}{{bucketJobs, 0.8}, {bucketExpiry, 0.8}} {
			st := tx.Bucket(b.name).Stats()
			if fill := float64(st.LeafInuse) / float64(st.LeafAlloc); fill < b.min {
				t.Errorf("%s bucket: leaf pages %.0f%% full (%d of %d bytes), want at least %.0f%%",
					b.name, 100*fill, st.LeafInuse, st.LeafAlloc, 100*b.min)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
