package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// The cases of List.
var listCases = []suiteCase{
	{"ListNewestFirst", testListNewestFirst},
	{"ListPagesWithoutGapsWhileJobsAreAdded", testListPaging},
	{"ListFilters", testListFilters},
	{"ListOnlyTheOwners", testListOwners},
	{"ListLeavesExpiredOut", testListExpired},
}

// ownerJob is a new job of owner created at now.
func ownerJob(owner string, now time.Time) jobs.Job {
	j := newJob(now)
	j.Owner = owner
	return j
}

func newOwner() string { return "arn:aws:iam::000000000000:user/list-" + newID() }

// ListAll follows the pages of q from the first to the last and returns the
// ids in order; between pages it calls between (nil: nothing).
func ListAll(t *testing.T, s jobs.Store, q jobs.ListQuery, between func()) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("List of %+v: more than 1000 pages", q)
		}
		page, err := s.List(t.Context(), q)
		if err != nil {
			t.Fatalf("List(%+v): %v", q, err)
		}
		if len(page.Jobs) > q.Limit {
			t.Fatalf("List with limit %d gave %d jobs", q.Limit, len(page.Jobs))
		}
		for _, j := range page.Jobs {
			if !jobs.Matches(q, j) {
				t.Errorf("List(%+v) gave job %s of %q, %s, %s, created %s, expiring %s", q, j.ID, j.Owner, j.Status, j.Type, j.CreatedAt, j.ExpiresAt)
			}
			ids = append(ids, j.ID)
		}
		if page.Next == nil {
			return ids
		}
		if n := len(page.Jobs); n > 0 && page.Next.Before(jobs.PositionOf(page.Jobs[n-1])) {
			t.Fatalf("List: Next %+v is before the page's last job %s", *page.Next, page.Jobs[n-1].ID)
		}
		q.After = page.Next
		if between != nil {
			between()
		}
	}
}

func assertIDs(t *testing.T, what string, want, got []string) {
	t.Helper()
	if !slices.Equal(want, got) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func testListNewestFirst(t *testing.T, s jobs.Store) {
	now := base()
	owner := newOwner()
	// Created out of order, two at the same instant: newest first, then the
	// greater id first.
	var want []string
	for _, offset := range []time.Duration{time.Second, 3 * time.Second, 0, 2 * time.Second} {
		j := ownerJob(owner, now.Add(offset))
		mustCreate(t, s, j)
	}
	twin := ownerJob(owner, now.Add(3*time.Second))
	mustCreate(t, s, twin)
	page, err := s.List(t.Context(), jobs.ListQuery{Owner: owner, Limit: 10, Now: now})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for i, j := range page.Jobs {
		want = append(want, j.ID)
		if i > 0 && !jobs.PositionOf(page.Jobs[i-1]).Before(jobs.PositionOf(j)) {
			t.Errorf("List: job %s (created %s) before job %s (created %s)", page.Jobs[i-1].ID, page.Jobs[i-1].CreatedAt, j.ID, j.CreatedAt)
		}
	}
	if len(page.Jobs) != 5 || page.Next != nil {
		t.Fatalf("List: %d jobs, Next %v; want 5 and nil", len(page.Jobs), page.Next)
	}
	assertJob(t, "a listed job", withSeq(twin, 1), page.Jobs[slices.Index(want, twin.ID)])
}

func testListPaging(t *testing.T, s jobs.Store) {
	now := base()
	owner := newOwner()
	for i := range 7 {
		mustCreate(t, s, ownerJob(owner, now.Add(time.Duration(i)*time.Millisecond)))
	}
	added := 0
	for _, limit := range []int{1, 2, 3, 7, 8} {
		want := ListAll(t, s, jobs.ListQuery{Owner: owner, Limit: jobs.MaxListLimit, Now: now}, nil)
		if len(want) != 7+added {
			t.Fatalf("the list holds %d jobs, want %d", len(want), 7+added)
		}
		// Jobs created between pages are newer than every page: they belong
		// before the first, and shift none of the rest.
		got := ListAll(t, s, jobs.ListQuery{Owner: owner, Limit: limit, Now: now}, func() {
			added++
			mustCreate(t, s, ownerJob(owner, now.Add(time.Hour+time.Duration(added))))
		})
		assertIDs(t, fmt.Sprintf("ids paged %d at a time while jobs were added", limit), want, got)
	}
}

func testListFilters(t *testing.T, s jobs.Store) {
	now := base()
	owner := newOwner()
	want := map[string][]string{} // by "status type"
	for i, st := range []jobs.Status{jobs.StatusPending, jobs.StatusRunning, jobs.StatusSuccess, jobs.StatusPending, jobs.StatusFailure, jobs.StatusPending} {
		j := ownerJob(owner, now.Add(time.Duration(i)*time.Second))
		j.Status = st
		j.Type = []string{"a", "b"}[i%2]
		mustCreate(t, s, j)
		for _, k := range []string{string(st) + " ", " " + j.Type, string(st) + " " + j.Type, " "} {
			want[k] = append([]string{j.ID}, want[k]...)
		}
	}
	// A job that leaves the filter's status after it was created.
	moved := ownerJob(owner, now.Add(time.Minute))
	mustCreate(t, s, moved)
	if _, err := s.Update(t.Context(), moved.ID, func(j *jobs.Job) error { return j.Start(now) }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	want["Running "] = append([]string{moved.ID}, want["Running "]...)
	want[" storetest"] = []string{moved.ID}
	want[" "] = append([]string{moved.ID}, want[" "]...)
	for _, f := range []struct {
		status jobs.Status
		typ    string
	}{{jobs.StatusPending, ""}, {jobs.StatusRunning, ""}, {"", "a"}, {"", "b"}, {"", "storetest"}, {jobs.StatusPending, "a"}, {jobs.StatusSuccess, "b"}, {jobs.StatusCancelled, ""}, {"", ""}} {
		for _, limit := range []int{1, 2, 50} {
			got := ListAll(t, s, jobs.ListQuery{Owner: owner, Status: f.status, Type: f.typ, Limit: limit, Now: now}, nil)
			assertIDs(t, fmt.Sprintf("status %q, type %q, %d a page", f.status, f.typ, limit), want[string(f.status)+" "+f.typ], got)
		}
	}
}

func testListOwners(t *testing.T, s jobs.Store) {
	now := base()
	a, b := newOwner(), newOwner()
	var wantA, wantB []string
	for i := range 4 {
		ja, jb := ownerJob(a, now.Add(time.Duration(i)*time.Second)), ownerJob(b, now.Add(time.Duration(i)*time.Second))
		mustCreate(t, s, ja)
		mustCreate(t, s, jb)
		wantA, wantB = append([]string{ja.ID}, wantA...), append([]string{jb.ID}, wantB...)
	}
	// An owner whose name starts with another's sees only its own.
	prefixed := ownerJob(a+"x", now)
	mustCreate(t, s, prefixed)
	assertIDs(t, "owner a's jobs", wantA, ListAll(t, s, jobs.ListQuery{Owner: a, Limit: 3, Now: now}, nil))
	assertIDs(t, "owner b's jobs", wantB, ListAll(t, s, jobs.ListQuery{Owner: b, Limit: 3, Now: now}, nil))
	assertIDs(t, "owner a+x's jobs", []string{prefixed.ID}, ListAll(t, s, jobs.ListQuery{Owner: a + "x", Limit: 3, Now: now}, nil))
	assertIDs(t, "nobody's jobs", nil, ListAll(t, s, jobs.ListQuery{Owner: newOwner(), Limit: 3, Now: now}, nil))
}

func testListExpired(t *testing.T, s jobs.Store) {
	now := base()
	owner := newOwner()
	var want []string
	for i := range 6 {
		j := ownerJob(owner, now.Add(time.Duration(i)*time.Second))
		if i%2 == 0 {
			j.ExpiresAt = now.Add(time.Duration(i) * time.Second) // expired at now+6s
		} else {
			want = append([]string{j.ID}, want...)
		}
		mustCreate(t, s, j)
	}
	later := now.Add(6 * time.Second)
	for _, limit := range []int{1, 2, 10} {
		assertIDs(t, fmt.Sprintf("unexpired jobs, %d a page", limit), want, ListAll(t, s, jobs.ListQuery{Owner: owner, Limit: limit, Now: later}, nil))
	}
	// Deleted jobs are gone from the list too.
	if err := s.Delete(t.Context(), want[0]); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	assertIDs(t, "after a Delete", want[1:], ListAll(t, s, jobs.ListQuery{Owner: owner, Limit: 2, Now: later}, nil))
}
