package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// The cases of the optional interfaces run only against a store that
// implements them.
var optionalCases = []suiteCase{
	{"GetEncodedIsTheJobsJSON", testGetEncoded},
	{"GetEncodedMissing", testGetEncodedMissing},
	{"UpdateSoftVisibleAtOnce", testUpdateSoft},
	{"UpdateSoftTerminal", testUpdateSoftTerminal},
	{"UpdateSoftFnErrorLeavesJobUnchanged", testUpdateSoftFnError},
}

func encodedReader(t *testing.T, s jobs.Store) jobs.EncodedReader {
	t.Helper()
	r, ok := s.(jobs.EncodedReader)
	if !ok {
		t.Skip("the store is no jobs.EncodedReader")
	}
	return r
}

func softUpdater(t *testing.T, s jobs.Store) jobs.SoftUpdater {
	t.Helper()
	u, ok := s.(jobs.SoftUpdater)
	if !ok {
		t.Skip("the store is no jobs.SoftUpdater")
	}
	return u
}

// assertEncoded fails the test unless GetEncoded says what Get does.
func assertEncoded(t *testing.T, s jobs.Store, id string) {
	t.Helper()
	got, err := encodedReader(t, s).GetEncoded(t.Context(), id)
	if err != nil {
		t.Fatalf("GetEncoded(%s): %v", id, err)
	}
	j := mustGet(t, s, id)
	want := jobs.Encoded{ID: j.ID, Owner: j.Owner, Status: j.Status, Seq: j.Seq, ExpiresAt: j.ExpiresAt, JSON: jobjson.Append(nil, j)}
	if got.ID != want.ID || got.Owner != want.Owner || got.Status != want.Status || got.Seq != want.Seq || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("GetEncoded(%s): %s of %q, %s, Seq %d, expires %s; want %s of %q, %s, Seq %d, expires %s", id,
			got.ID, got.Owner, got.Status, got.Seq, got.ExpiresAt, want.ID, want.Owner, want.Status, want.Seq, want.ExpiresAt)
	}
	if !bytes.Equal(got.JSON, want.JSON) {
		t.Errorf("GetEncoded(%s) JSON:\n got %s\nwant %s (jobjson.Append of Get's job)", id, got.JSON, want.JSON)
	}
}

func testGetEncoded(t *testing.T, s jobs.Store) {
	encodedReader(t, s)
	now := base()
	full, bare := fullJob(now), newJob(now)
	for _, j := range []jobs.Job{full, bare} {
		mustCreate(t, s, j)
		assertEncoded(t, s, j.ID)
	}
	failed, err := s.Update(t.Context(), full.ID, func(j *jobs.Job) error {
		j.Status = jobs.StatusFailure
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	assertEncoded(t, s, failed.ID)
}

func testGetEncodedMissing(t *testing.T, s jobs.Store) {
	if _, err := encodedReader(t, s).GetEncoded(t.Context(), newID()); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("GetEncoded of a missing job: error %v, want ErrNotFound", err)
	}
}

func testUpdateSoft(t *testing.T, s jobs.Store) {
	u := softUpdater(t, s)
	now := base()
	j := newJob(now)
	mustCreate(t, s, j)
	want := withSeq(j, 2)
	want.Status, want.Attempts, want.StartedAt, want.UpdatedAt = jobs.StatusRunning, 1, now.Add(time.Second), now.Add(time.Second)
	got, err := u.UpdateSoft(t.Context(), j.ID, func(j *jobs.Job) error { return j.Start(now.Add(time.Second)) })
	if err != nil {
		t.Fatalf("UpdateSoft: %v", err)
	}
	assertJob(t, "UpdateSoft", want, got)
	assertJob(t, "Get after UpdateSoft", want, mustGet(t, s, j.ID))
	if _, ok := s.(jobs.EncodedReader); ok {
		assertEncoded(t, s, j.ID)
	}

	// A later update starts from the soft change.
	want.Progress, want.Seq = &jobs.Progress{Step: "load", Current: 1, Total: 2}, 3
	got, err = u.UpdateSoft(t.Context(), j.ID, func(j *jobs.Job) error {
		return j.Report(jobs.Progress{Step: "load", Current: 1, Total: 2}, now.Add(time.Second))
	})
	if err != nil {
		t.Fatalf("second UpdateSoft: %v", err)
	}
	assertJob(t, "second UpdateSoft", want, got)
	want.Status, want.Results, want.FinishedAt, want.Seq = jobs.StatusSuccess, []byte(`{"ok":true}`), now.Add(2*time.Second), 4
	want.UpdatedAt = want.FinishedAt
	got, err = s.Update(t.Context(), j.ID, func(j *jobs.Job) error { return j.Succeed([]byte(`{"ok":true}`), now.Add(2*time.Second)) })
	if err != nil {
		t.Fatalf("Update after UpdateSoft: %v", err)
	}
	assertJob(t, "Update after UpdateSoft", want, got)
	assertJob(t, "Get after Update", want, mustGet(t, s, j.ID))
}

func testUpdateSoftTerminal(t *testing.T, s jobs.Store) {
	u := softUpdater(t, s)
	j := newJob(base())
	mustCreate(t, s, j)
	cancelled, err := u.UpdateSoft(t.Context(), j.ID, func(j *jobs.Job) error { return j.Cancel(j.CreatedAt) })
	if err != nil {
		t.Fatalf("UpdateSoft to Cancelled: %v", err)
	}
	called := false
	got, err := u.UpdateSoft(t.Context(), j.ID, func(*jobs.Job) error { called = true; return nil })
	if !errors.Is(err, jobs.ErrTerminal) || called {
		t.Fatalf("UpdateSoft of a Cancelled job: error %v, fn called %t; want ErrTerminal, not called", err, called)
	}
	assertJob(t, "job returned with ErrTerminal", cancelled, got)
	assertJob(t, "Get after ErrTerminal", cancelled, mustGet(t, s, j.ID))
}

func testUpdateSoftFnError(t *testing.T, s jobs.Store) {
	u := softUpdater(t, s)
	j := fullJob(base())
	mustCreate(t, s, j)
	got, err := u.UpdateSoft(t.Context(), j.ID, func(j *jobs.Job) error {
		j.Attempts = 99
		j.Progress.Current = 99
		return errFn
	})
	if !errors.Is(err, errFn) {
		t.Fatalf("UpdateSoft: error %v, want fn's", err)
	}
	assertJob(t, "job returned with fn's error", withSeq(j, 1), got)
	assertJob(t, "Get after fn's error", withSeq(j, 1), mustGet(t, s, j.ID))
	if _, err := u.UpdateSoft(t.Context(), newID(), func(*jobs.Job) error { return nil }); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("UpdateSoft of a missing job: error %v, want ErrNotFound", err)
	}
}
