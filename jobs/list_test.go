package jobs_test

import (
	"encoding/base64"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// submitAs creates n echo jobs of owner, a second apart, and returns their
// ids newest first.
func (f *fixture) submitAs(t *testing.T, owner string, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		f.clock.Advance(time.Second)
		j, _, err := f.service.Submit(t.Context(), jobs.SubmitRequest{Owner: owner, Type: "echo", Parameters: []byte(`{"text":"hi"}`)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append([]string{j.ID}, ids...)
	}
	return ids
}

func listIDs(res jobs.ListResult) []string {
	var ids []string
	for _, j := range res.Jobs {
		ids = append(ids, j.ID)
	}
	return ids
}

// assertRefused fails the test unless err is a ValidationError of field
// and rule.
func assertRefused(t *testing.T, what string, err error, field, rule string) {
	t.Helper()
	var verr *jobs.ValidationError
	if !errors.As(err, &verr) || len(verr.Fields) != 1 || verr.Fields[0].Field != field || verr.Fields[0].Rule != rule {
		t.Errorf("%s: error %v, want a ValidationError of %s/%s", what, err, field, rule)
	}
}

func TestListPagesAnOwnersJobs(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	alice := f.submitAs(t, "alice", 5)
	f.submitAs(t, "bob", 2)

	var got []string
	req := jobs.ListRequest{Owner: "alice", Limit: "2"}
	for range 3 {
		res, err := f.service.List(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, listIDs(res)...)
		if res.Next == "" {
			break
		}
		req.Cursor = res.Next
	}
	if !slices.Equal(got, alice) || req.Cursor == "" {
		t.Errorf("alice's pages of 2: %v; want %v over three pages", got, alice)
	}
	res, err := f.service.List(t.Context(), jobs.ListRequest{Owner: "alice"})
	if err != nil || len(res.Jobs) != 5 || res.Next != "" {
		t.Errorf("alice's list with the default limit: %v, next %q, %v", listIDs(res), res.Next, err)
	}
	// Expired jobs are not listed.
	f.clock.Advance(time.Hour - 4*time.Second) // to 1h+3s: the first three expire
	res, err = f.service.List(t.Context(), jobs.ListRequest{Owner: "alice"})
	if err != nil || !slices.Equal(listIDs(res), alice[:2]) {
		t.Errorf("alice's list after the first three expired: %v, %v; want %v", listIDs(res), err, alice[:2])
	}
}

func TestListCursorIsBoundToOwnerAndFilters(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	f.submitAs(t, "alice", 3)
	f.submitAs(t, "bob", 3)
	first, err := f.service.List(t.Context(), jobs.ListRequest{Owner: "alice", Limit: "1"})
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %v, next %q", err, first.Next)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(first.Next)
	tampered := slices.Clone(raw)
	tampered[3] ^= 1 // another CreatedAt
	otherKey := f.config
	otherKey.CursorKey = []byte("another key of thirty-two bytes.")
	for _, c := range []struct {
		name    string
		service *jobs.Service
		req     jobs.ListRequest
	}{
		{"another owner", f.service, jobs.ListRequest{Owner: "bob", Cursor: first.Next}},
		{"another status", f.service, jobs.ListRequest{Owner: "alice", Status: "Pending", Cursor: first.Next}},
		{"another type", f.service, jobs.ListRequest{Owner: "alice", Type: "echo", Cursor: first.Next}},
		{"a changed position", f.service, jobs.ListRequest{Owner: "alice", Cursor: base64.RawURLEncoding.EncodeToString(tampered)}},
		{"a cut cursor", f.service, jobs.ListRequest{Owner: "alice", Cursor: first.Next[:10]}},
		{"not base64url", f.service, jobs.ListRequest{Owner: "alice", Cursor: first.Next + "+"}},
		{"another service key", jobs.NewService(otherKey), jobs.ListRequest{Owner: "alice", Cursor: first.Next}},
	} {
		res, err := c.service.List(t.Context(), c.req)
		assertRefused(t, c.name, err, "cursor", "cursor")
		if len(res.Jobs) != 0 {
			t.Errorf("%s: listed %v", c.name, listIDs(res))
		}
	}
	// The same owner and filters with another limit go on.
	if _, err := f.service.List(t.Context(), jobs.ListRequest{Owner: "alice", Limit: "5", Cursor: first.Next}); err != nil {
		t.Errorf("the cursor with another limit: %v", err)
	}
}

func TestListRefusesBadFilters(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	for _, c := range []struct {
		req         jobs.ListRequest
		field, rule string
	}{
		{jobs.ListRequest{Status: "Done"}, "status", "oneof"},
		{jobs.ListRequest{Status: "pending"}, "status", "oneof"},
		{jobs.ListRequest{Type: "nope"}, "type", "oneof"},
		{jobs.ListRequest{Limit: "0"}, "limit", "min"},
		{jobs.ListRequest{Limit: "201"}, "limit", "max"},
		{jobs.ListRequest{Limit: "ten"}, "limit", "integer"},
		{jobs.ListRequest{Limit: "1.5"}, "limit", "integer"},
		{jobs.ListRequest{Cursor: "abc"}, "cursor", "cursor"},
	} {
		c.req.Owner = "alice"
		_, err := f.service.List(t.Context(), c.req)
		assertRefused(t, c.field+"="+c.req.Status+c.req.Type+c.req.Limit+c.req.Cursor, err, c.field, c.rule)
	}
	if _, err := f.service.List(t.Context(), jobs.ListRequest{Owner: "alice", Status: "Running", Type: "echo", Limit: "200"}); err != nil {
		t.Errorf("good filters: %v", err)
	}
}

func TestListNeedsACursorKey(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	cfg := f.config
	cfg.CursorKey = cfg.CursorKey[:jobs.MinCursorKeyBytes-1]
	var verr *jobs.ValidationError
	if _, err := jobs.NewService(cfg).List(t.Context(), jobs.ListRequest{Owner: "alice"}); err == nil || errors.As(err, &verr) {
		t.Errorf("List with a short key: %v, want an internal error", err)
	}
}
