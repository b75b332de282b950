package boltstore

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// TestOpensTheFirstReleasesData opens testdata/jobs-v0.db, a data file that
// the first release wrote (JSON records), and reads, lists, updates and
// deletes its jobs.
func TestOpensTheFirstReleasesData(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/jobs-v0.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jobs.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s := open(t, path, Options{})

	now := time.Date(2026, 11, 29, 4, 44, 11, 123456789, time.UTC)
	pending := jobs.Job{ID: "pending", Owner: "arn:aws:iam::000000000000:user/alice", Type: "sleep", Status: jobs.StatusPending,
		Parameters: json.RawMessage(`{"name":"<a&b>","seconds":1}`), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
		Seq: 1, IdempotencyKey: "key-1", RequestHash: "sha256:abc"}
	running := jobs.Job{ID: "running", Type: "sleep", Status: jobs.StatusRunning, Parameters: json.RawMessage(`{}`),
		Progress: &jobs.Progress{Step: "load", Current: 3, Total: 7}, Attempts: 1,
		CreatedAt: now, UpdatedAt: now.Add(time.Second), StartedAt: now.Add(time.Second), ExpiresAt: now.Add(24 * time.Hour), Seq: 3}
	failed := jobs.Job{ID: "failed", Type: "sleep", Status: jobs.StatusFailure, Parameters: json.RawMessage(`{"seconds":301}`),
		Error: &jobs.ErrorInfo{Type: "Timeout", Message: "took too long", Condition: jobs.ConditionRetriesExhausted}, Attempts: 3,
		CreatedAt: now, UpdatedAt: now.Add(2 * time.Second), StartedAt: now.Add(time.Second), FinishedAt: now.Add(2 * time.Second), ExpiresAt: now.Add(24 * time.Hour), Seq: 5}
	done := jobs.Job{ID: "done", Type: "report", Status: jobs.StatusSuccess, Parameters: json.RawMessage(`{"account":"acme"}`), Results: json.RawMessage(`{"rows":42}`),
		Attempts: 1, CreatedAt: now, UpdatedAt: now.Add(3 * time.Second), StartedAt: now.Add(time.Second), FinishedAt: now.Add(3 * time.Second), Seq: 3}

	for _, want := range []jobs.Job{pending, running, failed, done} {
		assertStored(t, s, want)
		got, err := s.GetEncoded(t.Context(), want.ID)
		if err != nil || string(got.JSON) != string(jobjson.Append(nil, want)) || got.Owner != want.Owner || got.Seq != want.Seq {
			t.Errorf("GetEncoded(%s): %s of %q at Seq %d, %v; want %s", want.ID, got.JSON, got.Owner, got.Seq, err, jobjson.Append(nil, want))
		}
	}
	// The owners bucket is made on the first open: the jobs are listed.
	assertListed(t, s, pending.Owner, now, "pending")
	assertListed(t, s, "", now, "running", "failed", "done")
	unfinished, err := s.Unfinished(t.Context())
	if err != nil || len(unfinished) != 2 {
		t.Fatalf("Unfinished: %v, %v; want pending and running", ids(unfinished), err)
	}
	dup := jobs.Job{ID: "dup", Owner: pending.Owner, Type: "sleep", Status: jobs.StatusPending, CreatedAt: now, Seq: 1, IdempotencyKey: "key-1"}
	if got, err := s.Create(t.Context(), dup); err == nil || got.ID != "pending" {
		t.Errorf("Create with pending's key: %s, %v; want pending, ErrDuplicate", got.ID, err)
	}
	started := mustUpdate(t, s, "pending", func(j *jobs.Job) { _ = j.Start(now) })
	assertStored(t, s, started)
	if err := s.Delete(t.Context(), "failed"); err != nil {
		t.Fatal(err)
	}
	assertGone(t, s, "failed")
	assertListed(t, s, "", now, "running", "done")
	// Expired jobs go, their idempotency keys with them.
	if n, err := s.DeleteExpired(t.Context(), now.Add(48*time.Hour)); n != 2 || err != nil {
		t.Errorf("DeleteExpired: %d, %v; want 2 (pending and running), nil", n, err)
	}
}

// assertListed fails the test unless the owner's list at now holds the jobs
// with these ids, in this order.
func assertListed(t *testing.T, s *Store, owner string, now time.Time, want ...string) {
	t.Helper()
	page, err := s.List(t.Context(), jobs.ListQuery{Owner: owner, Limit: 10, Now: now})
	if err != nil || !slices.Equal(ids(page.Jobs), want) || page.Next != nil {
		t.Errorf("List of %q: %v, Next %v, %v; want %v", owner, ids(page.Jobs), page.Next, err, want)
	}
}
