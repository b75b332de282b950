package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// encodedStore is a Store that keeps each job's JSON, as the local stores
// do; its JSON says where it came from.
type encodedStore struct{ jobs.Store }

var _ jobs.EncodedReader = encodedStore{}

const storedJSON = `{"from":"GetEncoded"}`

func (s encodedStore) GetEncoded(ctx context.Context, id string) (jobs.Encoded, error) {
	j, err := s.Get(ctx, id)
	if err != nil {
		return jobs.Encoded{}, err
	}
	return jobs.Encoded{ID: j.ID, Owner: j.Owner, Status: j.Status, Seq: j.Seq, ExpiresAt: j.ExpiresAt,
		JSON: []byte(storedJSON)}, nil
}

// plainStore is a Store and nothing more, as the DynamoDB store is.
type plainStore struct{ jobs.Store }

func TestGetEncoded(t *testing.T) {
	t.Parallel()
	stores := map[string]struct {
		wrap func(jobs.Store) jobs.Store
		json func(jobs.Job) string // what the owner reads
	}{
		"EncodedReader": {
			wrap: func(s jobs.Store) jobs.Store { return encodedStore{s} },
			json: func(jobs.Job) string { return storedJSON },
		},
		"plain Store": {
			wrap: func(s jobs.Store) jobs.Store { return plainStore{s} },
			json: func(j jobs.Job) string { return string(jobjson.Append(nil, j)) },
		},
	}
	cases := map[string]struct {
		caller  string
		id      func(jobs.Job) string
		advance time.Duration
		visible bool
	}{
		"the owner's job":        {caller: "alice", visible: true},
		"just before it expires": {caller: "alice", advance: time.Hour - time.Millisecond, visible: true},
		"another principal's":    {caller: "bob"},
		"the anonymous caller":   {caller: ""},
		"expired":                {caller: "alice", advance: time.Hour},
		"missing":                {caller: "alice", id: func(jobs.Job) string { return "job-z" }},
	}
	for storeName, store := range stores {
		for name, tc := range cases {
			t.Run(storeName+"/"+name, func(t *testing.T) {
				t.Parallel()
				f := setup(t, echoType())
				cfg := f.config
				cfg.Store = store.wrap(f.store)
				svc := jobs.NewService(cfg)
				ctx := context.Background()
				j, _, err := svc.Submit(ctx, jobs.SubmitRequest{Owner: "alice", Type: "echo", Parameters: json.RawMessage(`{"text":"a"}`)})
				if err != nil {
					t.Fatal(err)
				}
				id := j.ID
				if tc.id != nil {
					id = tc.id(j)
				}
				f.clock.Advance(tc.advance)
				got, err := svc.GetEncoded(ctx, tc.caller, id)
				if !tc.visible {
					if !errors.Is(err, jobs.ErrNotFound) || got.JSON != nil {
						t.Fatalf("got %s, %v; want ErrNotFound", got.JSON, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				want := jobs.Encoded{ID: j.ID, Owner: "alice", Status: jobs.StatusPending, Seq: 1, ExpiresAt: j.ExpiresAt}
				if string(got.JSON) != store.json(j) || got.ID != want.ID || got.Owner != want.Owner ||
					got.Status != want.Status || got.Seq != want.Seq || !got.ExpiresAt.Equal(want.ExpiresAt) {
					t.Fatalf("got %+v (%s), want %+v (%s)", got, got.JSON, want, store.json(j))
				}
			})
		}
	}
}
