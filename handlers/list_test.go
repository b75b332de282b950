package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/jobs/memstore"
)

// principalHeader names the caller in the tests of the list, which
// headerPrincipal believes.
const principalHeader = "X-Test-Principal"

var headerPrincipal = AuthenticatorFunc(func(r *http.Request, _ []byte) (string, error) {
	return r.Header.Get(principalHeader), nil
})

// listPage is the body of GET /jobs.
type listPage struct {
	Jobs []json.RawMessage `json:"jobs"`
	Next *string           `json:"next"`
}

// setupList returns the API over a real service with the caller named by
// principalHeader, and its store.
func setupList(t *testing.T, gateway Gateway) (http.Handler, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	return New(Config{Service: realService(t, store, nil), Authenticator: headerPrincipal, Gateway: gateway}), store
}

// submitAs posts n noop jobs as principal and returns their ids, newest first.
func submitAs(t *testing.T, h http.Handler, principal string, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		r := httptest.NewRequest(http.MethodPost, "/jobs", strings.NewReader(`{"type":"noop","parameters":{}}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set(principalHeader, principal)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusAccepted {
			t.Fatalf("submit as %s: %d %s", principal, w.Code, w.Body)
		}
		var j struct{ ID string }
		if err := json.Unmarshal(w.Body.Bytes(), &j); err != nil {
			t.Fatal(err)
		}
		// The test clock stands still: jobs created at one instant are
		// listed by id, greatest first, which the ids of realService are
		// while they have as many digits.
		ids = append([]string{j.ID}, ids...)
	}
	return ids
}

// list asks GET target as principal.
func list(t *testing.T, h http.Handler, principal, target string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set(principalHeader, principal)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// listOK asks GET target as principal, expects a page and returns it, the
// ids on it and its Link header.
func listOK(t *testing.T, h http.Handler, principal, target string) (page listPage, ids []string, link string) {
	t.Helper()
	w := list(t, h, principal, target)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("GET %s as %s: %d %s %s", target, principal, w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
		t.Fatalf("GET %s: %v in %s", target, err, w.Body)
	}
	for _, raw := range page.Jobs {
		var j struct{ ID string }
		if err := json.Unmarshal(raw, &j); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	return page, ids, w.Header().Get("Link")
}

func TestListShowsOnlyTheCallersJobs(t *testing.T) {
	t.Parallel()
	h, _ := setupList(t, nil)
	alice := submitAs(t, h, "alice", 3)
	bob := submitAs(t, h, "bob", 2)

	if _, got, _ := listOK(t, h, "alice", "/jobs"); !slices.Equal(got, alice) {
		t.Errorf("alice's list: %v, want %v", got, alice)
	}
	if _, got, _ := listOK(t, h, "bob", "/jobs"); !slices.Equal(got, bob) {
		t.Errorf("bob's list: %v, want %v", got, bob)
	}
	if _, got, _ := listOK(t, h, "carol", "/jobs"); len(got) != 0 {
		t.Errorf("carol's list: %v, want none", got)
	}
	// Alice's cursor is refused to Bob, who learns nothing of her jobs.
	page, _, _ := listOK(t, h, "alice", "/jobs?limit=1")
	if page.Next == nil {
		t.Fatal("alice's first page of 1 has no next")
	}
	w := list(t, h, "bob", "/jobs?limit=1&cursor="+*page.Next)
	assertProblem(t, w, http.StatusBadRequest, "cursor", "cursor")
	for _, id := range alice {
		if strings.Contains(w.Body.String(), id) {
			t.Errorf("bob's refusal names alice's job %s: %s", id, w.Body)
		}
	}
}

func TestListPages(t *testing.T) {
	t.Parallel()
	h, _ := setupList(t, nil)
	want := submitAs(t, h, "alice", 5)
	submitAs(t, h, "bob", 1)

	var got []string
	target := "/jobs?limit=2&type=noop"
	for pages := 1; ; pages++ {
		page, ids, link := listOK(t, h, "alice", target)
		got = append(got, ids...)
		if page.Next == nil {
			if link != "" || pages != 3 {
				t.Errorf("last page %d: Link %q, want none on page 3", pages, link)
			}
			break
		}
		wantLink := `</jobs?cursor=` + *page.Next + `&limit=2&type=noop>; rel="next"`
		if link != wantLink {
			t.Fatalf("page %d: Link %q, want %q", pages, link, wantLink)
		}
		target = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
	}
	if !slices.Equal(got, want) {
		t.Errorf("alice's pages: %v, want %v", got, want)
	}
}

func TestListJobsAreAsGetAnswersThem(t *testing.T) {
	t.Parallel()
	h, store := setupList(t, nil)
	ids := submitAs(t, h, "alice", 1)
	page, _, _ := listOK(t, h, "alice", "/jobs?status=Pending")
	j, err := store.Get(t.Context(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Jobs) != 1 || string(page.Jobs[0]) != string(jobjson.Append(nil, j)) || page.Next != nil {
		t.Errorf("list: %s, next %v; want [%s] and no next", page.Jobs, page.Next, jobjson.Append(nil, j))
	}
	if _, got, _ := listOK(t, h, "alice", "/jobs?status=Running&type=&limit=&cursor="); len(got) != 0 {
		t.Errorf("Running jobs: %v, want none", got)
	}
}

func TestListLinkKeepsTheBasePath(t *testing.T) {
	t.Parallel()
	h, _ := setupList(t, stage{base: "/prod"})
	submitAs(t, h, "alice", 2)
	w := list(t, h, "alice", "/jobs?limit=1&status=Pending")
	if link := w.Header().Get("Link"); !strings.HasPrefix(link, "</prod/jobs?cursor=") || !strings.HasSuffix(link, `&limit=1&status=Pending>; rel="next"`) {
		t.Errorf("Link %q, want </prod/jobs?cursor=…&limit=1&status=Pending>; rel=\"next\"", link)
	}
}

func TestListRefusesBadQueries(t *testing.T) {
	t.Parallel()
	h, _ := setupList(t, nil)
	for _, c := range []struct{ query, field, rule string }{
		{"status=Done", "status", "oneof"},
		{"type=nope", "type", "oneof"},
		{"limit=0", "limit", "min"},
		{"limit=201", "limit", "max"},
		{"limit=x", "limit", "integer"},
		{"cursor=AAAA", "cursor", "cursor"},
		{"cursor=%2B%2B", "cursor", "cursor"},
	} {
		assertProblem(t, list(t, h, "alice", "/jobs?"+c.query), http.StatusBadRequest, c.field, c.rule)
	}
}

func TestListServiceFailures(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err    error
		status int
	}{
		{errors.New("the store is on fire"), http.StatusInternalServerError},
		{jobs.ErrUnavailable, http.StatusServiceUnavailable},
	} {
		f := newFake()
		f.err = c.err
		h, _ := setup(t, f)
		p := assertProblem(t, serve(t, h, http.MethodGet, "/jobs?limit=5", "", nil), c.status, "", "")
		if strings.Contains(p.Detail, "fire") {
			t.Errorf("the problem tells the cause: %+v", p)
		}
	}
}
