package dynamostore

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/asyncjobs/asyncjobs/jobs"
)

func TestKeyIDIsUnambiguous(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{{"a#b", "c"}, {"a", "b#c"}, {"a#1#b", "c"}, {"", "a#b#c"}}
	seen := map[string][2]string{}
	for _, p := range pairs {
		id := keyID(p[0], p[1])
		if other, ok := seen[id]; ok {
			t.Errorf("owner %q key %q and owner %q key %q share the entry %q", p[0], p[1], other[0], other[1], id)
		}
		seen[id] = p
	}
}

// assertHeldBy fails the test unless a Create with the key gets ErrDuplicate
// and the job want.
func assertHeldBy(t *testing.T, s *Store, owner, key string, want string) {
	t.Helper()
	probe := withKey(newJob("probe-"+rand.Text(), time.Date(2030, 1, 2, 4, 0, 0, 0, time.UTC)), owner, key)
	got, err := s.Create(t.Context(), probe)
	if !errors.Is(err, jobs.ErrDuplicate) || got.ID != want {
		t.Errorf("Create with the key: %s, %v; want %s, ErrDuplicate", got.ID, err, want)
	}
}

// A Create that died between its two writes left an entry pointing at a job
// that was never written: the next Create takes the key over.
func TestDanglingEntryIsReplaced(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.clock.Set(time.Date(2030, 1, 2, 0, 0, 0, 500_000_000, time.UTC))
	s := e.store(nil)
	_, err := e.client.PutItem(t.Context(), &dynamodb.PutItemInput{
		TableName: aws.String(e.table),
		Item: map[string]types.AttributeValue{
			"id":    &types.AttributeValueMemberS{Value: keyID("owner", "key")},
			"jobId": &types.AttributeValueMemberS{Value: "ghost"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	j := mustCreate(t, s, withKey(newJob("real", e.clock.Now()), "owner", "key"))
	assertHeldBy(t, s, "owner", "key", j.ID)

	// The ghost's id is fenced, until a day after, for its Create to fail
	// should it wake up.
	fence := rawItem(t, e, "ghost")
	if _, ok := fence["abandoned"].(*types.AttributeValueMemberBOOL); !ok || number(t, fence, "expiresAt") != "1893628801" {
		t.Errorf("item under the ghost's id: %v, want a fence expiring at 1893628801", fence)
	}
	if _, err := s.Get(t.Context(), "ghost"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Get(ghost): %v, want ErrNotFound", err)
	}
	if _, err := s.Create(t.Context(), withKey(newJob("ghost", e.clock.Now()), "owner", "key")); !errors.Is(err, jobs.ErrDuplicate) {
		t.Errorf("Create(ghost) with the key: %v, want ErrDuplicate", err)
	}
	if _, err := s.Create(t.Context(), newJob("ghost", e.clock.Now())); !errors.Is(err, jobs.ErrConflict) {
		t.Errorf("Create(ghost): %v, want ErrConflict", err)
	}
	if err := s.Delete(t.Context(), "ghost"); err != nil || rawItem(t, e, "ghost") == nil {
		t.Errorf("Delete(ghost): %v; want nil, and the fence kept", err)
	}
}

// A Create that another one finds between its two writes loses the key: its
// job is fenced, so there is never a second job with the key.
func TestCreateBetweenItsWritesLosesTheKey(t *testing.T) {
	t.Parallel()
	e := setup(t)
	other := e.store(nil)
	now := e.clock.Now()
	var otherJob jobs.Job
	var otherErr error
	var once sync.Once
	s := e.store(&hooked{Client: e.client, afterPut: func(in *dynamodb.PutItemInput) {
		if id := in.Item["id"].(*types.AttributeValueMemberS).Value; strings.HasPrefix(id, keyPrefix) {
			once.Do(func() { otherJob, otherErr = other.Create(t.Context(), withKey(newJob("second", now), "owner", "key")) })
		}
	}})

	_, err := s.Create(t.Context(), withKey(newJob("first", now), "owner", "key"))
	if !errors.Is(err, jobs.ErrConflict) {
		t.Errorf("Create(first), interrupted: %v, want ErrConflict", err)
	}
	if otherErr != nil || otherJob.ID != "second" {
		t.Fatalf("Create(second) between first's writes: %s, %v; want second stored", otherJob.ID, otherErr)
	}
	if _, err := s.Get(t.Context(), "first"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Get(first): %v, want ErrNotFound", err)
	}
	assertHeldBy(t, s, "owner", "key", "second")
}

// Creates racing for one key: at most one stores its job, and every
// ErrDuplicate names that one.
func TestConcurrentCreatesWithOneKey(t *testing.T) {
	t.Parallel()
	const creators = 10
	e := setup(t)
	s := e.store(nil)
	now := e.clock.Now()
	got := make([]jobs.Job, creators)
	errs := make([]error, creators)
	var wg sync.WaitGroup
	for i := range creators {
		wg.Go(func() {
			got[i], errs[i] = s.Create(t.Context(), withKey(newJob(fmt.Sprint("racer-", i), now), "owner", "key"))
		})
	}
	wg.Wait()

	winner := ""
	for i, err := range errs {
		if err == nil {
			if winner != "" {
				t.Errorf("both %s and %s were stored with the key", winner, got[i].ID)
			}
			winner = got[i].ID
		}
	}
	if winner == "" {
		t.Fatalf("no Create won: %v", errs)
	}
	for i, err := range errs {
		id := fmt.Sprint("racer-", i)
		switch {
		case err == nil:
		case errors.Is(err, jobs.ErrDuplicate) && got[i].ID == winner:
		case errors.Is(err, jobs.ErrConflict) && got[i].ID == "":
		default:
			t.Errorf("Create(%s): %s, %v; want %s with ErrDuplicate, or ErrConflict", id, got[i].ID, err, winner)
		}
		if _, err := s.Get(t.Context(), id); id != winner && !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("Get(%s) of a loser: %v, want ErrNotFound", id, err)
		}
	}
	assertHeldBy(t, s, "owner", "key", winner)
}

// Delete leaves the entry alone once another job has taken the key over.
func TestDeleteOfAReplacedHolderKeepsTheKey(t *testing.T) {
	t.Parallel()
	e := setup(t)
	s := e.store(nil)
	t0 := e.clock.Now()
	old := newJob("old", t0)
	old.ExpiresAt = t0.Add(time.Hour)
	mustCreate(t, s, withKey(old, "owner", "key"))
	successor := mustCreate(t, s, withKey(newJob("successor", old.ExpiresAt), "owner", "key"))

	if err := s.Delete(t.Context(), "old"); err != nil {
		t.Fatal(err)
	}
	assertHeldBy(t, s, "owner", "key", successor.ID)
}

// A Create whose id was taken leaves its entry pointing at a job without the
// key; that job must not hold it.
func TestEntryOfATakenIDIsReplaced(t *testing.T) {
	t.Parallel()
	e := setup(t)
	s := e.store(nil)
	now := e.clock.Now()
	mustCreate(t, s, withKey(newJob("taken", now), "other-owner", "its-own-key"))
	if _, err := s.Create(t.Context(), withKey(newJob("taken", now), "owner", "key")); !errors.Is(err, jobs.ErrConflict) {
		t.Fatalf("Create of a taken id: %v, want ErrConflict", err)
	}
	j := mustCreate(t, s, withKey(newJob("fresh", now), "owner", "key"))
	assertHeldBy(t, s, "owner", "key", j.ID)
}

// The holder's own ExpiresAt decides, when an Update has brought it forward.
func TestHolderExpiredEarlierByUpdateLosesTheKey(t *testing.T) {
	t.Parallel()
	e := setup(t)
	s := e.store(nil)
	t0 := e.clock.Now()
	holder := newJob("holder", t0)
	holder.ExpiresAt = t0.Add(2 * time.Hour)
	mustCreate(t, s, withKey(holder, "owner", "key"))
	if _, err := s.Update(t.Context(), "holder", func(j *jobs.Job) error { j.ExpiresAt = t0.Add(time.Hour); return nil }); err != nil {
		t.Fatal(err)
	}
	j := mustCreate(t, s, withKey(newJob("successor", t0.Add(time.Hour)), "owner", "key"))
	assertHeldBy(t, s, "owner", "key", j.ID)
}
