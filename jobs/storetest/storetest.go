// Package storetest is the conformance suite of jobs.Store: what every store
// must do, checked through the port alone, so that the same cases run against
// the embedded store and against DynamoDB.
//
// Jobs must round-trip exactly: RawMessage fields byte for byte (the suite
// writes compact JSON, which is what the domain stores) and times to the
// nanosecond, compared with time.Time.Equal (so the location may change, the
// instant may not). A new job is stored as it is (the suite's have Seq 1) and
// every committed change adds exactly 1.
//
// A store that implements jobs.EncodedReader or jobs.SoftUpdater also runs
// their cases; the others skip them.
package storetest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// Run runs the suite, each case in a parallel subtest with a store of its own
// from newStore, which must therefore be safe to call concurrently. The cases
// use random ids and idempotency keys, so stores that share a backend do not
// see each other's jobs.
func Run(t *testing.T, newStore func(t *testing.T) jobs.Store) {
	t.Helper()
	cases := []suiteCase{
		{"CreateGetRoundTrip", testRoundTrip},
		{"StoredJobSharesNoMemory", testNoAliasing},
		{"GetMissing", testGetMissing},
		{"CreateExistingID", testCreateExistingID},
		{"DuplicateIdempotencyKey", testDuplicateKey},
		{"ExpiredIdempotencyHolderReplaced", testExpiredKeyHolder},
		{"IdempotencyKeysArePerOwner", testKeyPerOwner},
		{"UpdateIncrementsSeq", testUpdate},
		{"UpdateFnErrorLeavesJobUnchanged", testUpdateFnError},
		{"UpdateTerminal", testUpdateTerminal},
		{"UpdateMissing", testUpdateMissing},
		{"DeleteFreesIdempotencyKey", testDelete},
		{"ConcurrentUpdatesLoseNothing", testConcurrentUpdates},
	}
	for _, c := range slices.Concat(cases, listCases, optionalCases) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.test(t, newStore(t))
		})
	}
}

// suiteCase is one case of the suite.
type suiteCase struct {
	name string
	test func(t *testing.T, s jobs.Store)
}

// base is a time with nanoseconds, for the jobs of the suite.
func base() time.Time {
	return time.Now().UTC().Truncate(time.Second).Add(987654321 * time.Nanosecond)
}

func newID() string { return "job-" + rand.Text() }

// newJob is a Pending job with the fields every job has.
func newJob(now time.Time) jobs.Job {
	return jobs.Job{
		ID:        newID(),
		Type:      "storetest",
		Status:    jobs.StatusPending,
		Seq:       1,
		CreatedAt: now,
		UpdatedAt: now,
		ExpiresAt: now.Add(24 * time.Hour),
	}
}

// fullJob is a job with every field set. Each call returns new memory.
func fullJob(now time.Time) jobs.Job {
	j := newJob(now)
	j.Status = jobs.StatusRunning
	j.Owner = "arn:aws:iam::000000000000:user/storetest"
	j.Parameters = json.RawMessage(`{"name":"<a&b>","n":[1,2.5,null],"nested":{"ok":true}}`)
	j.Results = json.RawMessage(`{"rows":42}`)
	j.Error = &jobs.ErrorInfo{Type: "Timeout", Message: "took too long", Condition: jobs.ConditionRetriesExhausted}
	j.Progress = &jobs.Progress{Step: "load", Current: 3, Total: 7}
	j.Attempts = 2
	j.UpdatedAt = now.Add(2 * time.Second)
	j.StartedAt = now.Add(time.Second).In(time.FixedZone("UTC+1", 3600))
	j.FinishedAt = now.Add(3 * time.Second)
	j.ExpiresAt = now.Add(48*time.Hour + 1)
	j.IdempotencyKey = "key-" + rand.Text()
	j.RequestHash = "sha256:" + rand.Text()
	return j
}

// withSeq returns j with Seq set, for building expected jobs.
func withSeq(j jobs.Job, seq int64) jobs.Job {
	j.Seq = seq
	return j
}

// diff lists the fields in which got differs from want.
func diff(want, got jobs.Job) []string {
	var d []string
	check := func(field string, equal bool, w, g any) {
		if !equal {
			d = append(d, fmt.Sprintf("%s: got %v, want %v", field, g, w))
		}
	}
	check("ID", want.ID == got.ID, want.ID, got.ID)
	check("Owner", want.Owner == got.Owner, want.Owner, got.Owner)
	check("Type", want.Type == got.Type, want.Type, got.Type)
	check("Status", want.Status == got.Status, want.Status, got.Status)
	check("Parameters", bytes.Equal(want.Parameters, got.Parameters), string(want.Parameters), string(got.Parameters))
	check("Results", bytes.Equal(want.Results, got.Results), string(want.Results), string(got.Results))
	check("Error", equalPtr(want.Error, got.Error), want.Error, got.Error)
	check("Progress", equalPtr(want.Progress, got.Progress), want.Progress, got.Progress)
	check("Attempts", want.Attempts == got.Attempts, want.Attempts, got.Attempts)
	check("CreatedAt", want.CreatedAt.Equal(got.CreatedAt), want.CreatedAt, got.CreatedAt)
	check("UpdatedAt", want.UpdatedAt.Equal(got.UpdatedAt), want.UpdatedAt, got.UpdatedAt)
	check("StartedAt", want.StartedAt.Equal(got.StartedAt), want.StartedAt, got.StartedAt)
	check("FinishedAt", want.FinishedAt.Equal(got.FinishedAt), want.FinishedAt, got.FinishedAt)
	check("ExpiresAt", want.ExpiresAt.Equal(got.ExpiresAt), want.ExpiresAt, got.ExpiresAt)
	check("Seq", want.Seq == got.Seq, want.Seq, got.Seq)
	check("IdempotencyKey", want.IdempotencyKey == got.IdempotencyKey, want.IdempotencyKey, got.IdempotencyKey)
	check("RequestHash", want.RequestHash == got.RequestHash, want.RequestHash, got.RequestHash)
	return d
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// assertJob fails the test if got differs from want.
func assertJob(t *testing.T, what string, want, got jobs.Job) {
	t.Helper()
	for _, d := range diff(want, got) {
		t.Errorf("%s: %s", what, d)
	}
}

// mustCreate creates j and checks that it is returned as given, with Seq 1.
func mustCreate(t *testing.T, s jobs.Store, j jobs.Job) jobs.Job {
	t.Helper()
	created, err := s.Create(t.Context(), j)
	if err != nil {
		t.Fatalf("Create(%s): %v", j.ID, err)
	}
	assertJob(t, "Create", withSeq(j, 1), created)
	return created
}

// mustGet returns the stored job.
func mustGet(t *testing.T, s jobs.Store, id string) jobs.Job {
	t.Helper()
	j, err := s.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return j
}
