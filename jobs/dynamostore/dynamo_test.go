package dynamostore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// hooked is a Client that runs the test's hooks around the calls it passes on.
type hooked struct {
	Client
	afterGet  func(in *dynamodb.GetItemInput) // after each GetItem
	afterPut  func(in *dynamodb.PutItemInput) // after each successful PutItem
	repeatPut bool                            // send every PutItem twice, answer with the second
}

func (h *hooked) GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := h.Client.GetItem(ctx, in, optFns...)
	if h.afterGet != nil {
		h.afterGet(in)
	}
	return out, err
}

func (h *hooked) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := h.Client.PutItem(ctx, in, optFns...)
	if h.repeatPut && err == nil {
		// As when the answer to the first got lost and the SDK retried.
		out, err = h.Client.PutItem(ctx, in, optFns...)
	}
	if h.afterPut != nil && err == nil {
		h.afterPut(in)
	}
	return out, err
}

func newJob(id string, createdAt time.Time) jobs.Job {
	return jobs.Job{ID: id, Type: "test", Status: jobs.StatusPending, CreatedAt: createdAt, UpdatedAt: createdAt, Seq: 1}
}

// withKey returns j with an owner and an idempotency key.
func withKey(j jobs.Job, owner, key string) jobs.Job {
	j.Owner, j.IdempotencyKey = owner, key
	return j
}

func mustCreate(t *testing.T, s *Store, j jobs.Job) jobs.Job {
	t.Helper()
	j, err := s.Create(t.Context(), j)
	if err != nil {
		t.Fatalf("Create(%s): %v", j.ID, err)
	}
	return j
}

// rawItem returns the item under id as DynamoDB holds it, nil if none.
func rawItem(t *testing.T, e env, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// number returns the value of item's attribute name, "" if it has none, and
// fails the test unless it is a NUMBER.
func number(t *testing.T, item map[string]types.AttributeValue, name string) string {
	t.Helper()
	switch v := item[name].(type) {
	case nil:
		return ""
	case *types.AttributeValueMemberN:
		return v.Value
	default:
		t.Fatalf("attribute %s is a %T, want a NUMBER", name, v)
		return ""
	}
}

func TestTTLAttributeInEpochSeconds(t *testing.T) {
	t.Parallel()
	e := setup(t)
	s := e.store(nil)
	midnight := time.Date(2030, 1, 3, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		expiresAt time.Time
		ttl       string // "" for no TTL attribute
	}{
		{"whole second", midnight, "1893628800"},
		{"fraction rounds up", midnight.Add(250 * time.Millisecond), "1893628801"},
		{"other zone", midnight.Add(time.Nanosecond).In(time.FixedZone("UTC-5", -5*3600)), "1893628801"},
		{"never", time.Time{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := withKey(newJob("job-"+strings.ReplaceAll(c.name, " ", "-"), midnight.Add(-time.Hour)), "owner", c.name)
			j.ExpiresAt = c.expiresAt
			mustCreate(t, s, j)
			for what, id := range map[string]string{"job": j.ID, "idempotency entry": keyID(j.Owner, j.IdempotencyKey)} {
				if got := number(t, rawItem(t, e, id), "expiresAt"); got != c.ttl {
					t.Errorf("%s: expiresAt %q, want %q", what, got, c.ttl)
				}
			}
			got, err := s.Get(t.Context(), j.ID)
			if err != nil || !got.ExpiresAt.Equal(c.expiresAt) {
				t.Errorf("Get: ExpiresAt %v, %v; want %v exactly", got.ExpiresAt, err, c.expiresAt)
			}
		})
	}
}

func TestExpiredJobReadsAsNotFound(t *testing.T) {
	t.Parallel()
	e := setup(t)
	s := e.store(nil)
	t0 := e.clock.Now()
	j := newJob("expiring", t0)
	j.ExpiresAt = t0.Add(time.Hour)
	mustCreate(t, s, j)

	e.clock.Set(j.ExpiresAt.Add(-time.Nanosecond))
	if _, err := s.Get(t.Context(), j.ID); err != nil {
		t.Fatalf("Get a nanosecond before it expires: %v", err)
	}
	e.clock.Set(j.ExpiresAt)
	if _, err := s.Get(t.Context(), j.ID); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Get once expired: %v, want ErrNotFound", err)
	}
	called := false
	if _, err := s.Update(t.Context(), j.ID, func(*jobs.Job) error { called = true; return nil }); !errors.Is(err, jobs.ErrNotFound) || called {
		t.Errorf("Update once expired: %v, fn called %v; want ErrNotFound, not called", err, called)
	}
	if err := s.Delete(t.Context(), j.ID); err != nil {
		t.Fatalf("Delete once expired: %v", err)
	}
	if item := rawItem(t, e, j.ID); item != nil {
		t.Errorf("Delete left the expired item: %v", item)
	}
}

func TestCreateRefuses(t *testing.T) {
	t.Parallel()
	e := setup(t)
	s := e.store(nil)
	now := e.clock.Now()
	cases := []struct {
		name string
		job  jobs.Job
	}{
		{"empty id", newJob("", now)},
		{"id of an idempotency entry", newJob(keyPrefix+"x", now)},
		{"year 10000", newJob("far", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))},
		{"parameters not UTF-8", func() jobs.Job { j := newJob("latin1", now); j.Parameters = []byte("\"\xe9\""); return j }()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.Create(t.Context(), withKey(c.job, "owner", c.name)); err == nil {
				t.Fatal("Create succeeded")
			}
			for _, id := range []string{c.job.ID, keyID("owner", c.name)} {
				if id != "" && rawItem(t, e, id) != nil {
					t.Errorf("the refused Create stored %s", id)
				}
			}
		})
	}
}

func TestIdempotencyEntriesAreNotJobs(t *testing.T) {
	t.Parallel()
	e := setup(t)
	s := e.store(nil)
	j := mustCreate(t, s, withKey(newJob("holder", e.clock.Now()), "owner", "key"))
	entry := keyID(j.Owner, j.IdempotencyKey)
	if _, err := s.Get(t.Context(), entry); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Get(%s): %v, want ErrNotFound", entry, err)
	}
	if _, err := s.Update(t.Context(), entry, func(*jobs.Job) error { return nil }); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Update(%s): %v, want ErrNotFound", entry, err)
	}
	if err := s.Delete(t.Context(), entry); err != nil {
		t.Errorf("Delete(%s): %v", entry, err)
	}
	if _, err := s.Create(t.Context(), withKey(newJob("second", e.clock.Now()), "owner", "key")); !errors.Is(err, jobs.ErrDuplicate) {
		t.Errorf("Create with the key after Delete(%s): %v, want ErrDuplicate", entry, err)
	}
}

func TestUpdateRetriesAfterConcurrentWrite(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		concurrent int // writes by another store, one after each of the first reads
		wantErr    error
	}{
		{"once", 1, nil},
		{"every time", maxTries, jobs.ErrConflict},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			other := e.store(nil)
			mustCreate(t, other, newJob("contended", e.clock.Now()))
			writes := 0
			s := e.store(&hooked{Client: e.client, afterGet: func(in *dynamodb.GetItemInput) {
				if writes == c.concurrent {
					return
				}
				writes++
				if _, err := other.Update(t.Context(), "contended", func(j *jobs.Job) error { j.Attempts++; return nil }); err != nil {
					t.Errorf("concurrent Update: %v", err)
				}
			}})

			calls := 0
			got, err := s.Update(t.Context(), "contended", func(j *jobs.Job) error {
				calls++
				j.Progress = &jobs.Progress{Step: "mine"}
				return nil
			})
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("Update: %v, want %v", err, c.wantErr)
			}
			if want := min(c.concurrent+1, maxTries); calls != want {
				t.Errorf("fn called %d times, want %d", calls, want)
			}
			stored, err := other.Get(t.Context(), "contended")
			if err != nil {
				t.Fatal(err)
			}
			wantSeq := int64(1 + c.concurrent)
			if c.wantErr == nil {
				wantSeq++
				if got.Seq != wantSeq || got.Attempts != c.concurrent || got.Progress == nil {
					t.Errorf("Update returned Seq %d, Attempts %d, Progress %v; want %d, %d, mine", got.Seq, got.Attempts, got.Progress, wantSeq, c.concurrent)
				}
			}
			if stored.Seq != wantSeq || stored.Attempts != c.concurrent || (stored.Progress != nil) != (c.wantErr == nil) {
				t.Errorf("stored Seq %d, Attempts %d, Progress %v; want %d, %d, and fn's change kept only on success",
					stored.Seq, stored.Attempts, stored.Progress, wantSeq, c.concurrent)
			}
		})
	}
}

// TestLostAnswers sends every write twice, as the SDK does when the answer to
// the first is lost: the second fails its condition on the first's success,
// which the store must recognise as its own.
func TestLostAnswers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	s := e.store(&hooked{Client: e.client, repeatPut: true})
	now := e.clock.Now()
	for _, j := range []jobs.Job{newJob("plain", now), withKey(newJob("keyed", now), "owner", "key")} {
		if _, err := s.Create(t.Context(), j); err != nil {
			t.Fatalf("Create(%s): %v", j.ID, err)
		}
		calls := 0
		got, err := s.Update(t.Context(), j.ID, func(j *jobs.Job) error { calls++; j.Attempts++; return nil })
		if err != nil || calls != 1 || got.Attempts != 1 || got.Seq != 2 {
			t.Fatalf("Update(%s): Attempts %d, Seq %d, fn called %d times, %v; want 1, 2, once, nil", j.ID, got.Attempts, got.Seq, calls, err)
		}
		stored, err := s.Get(t.Context(), j.ID)
		if err != nil || stored.Attempts != 1 || stored.Seq != 2 {
			t.Errorf("Get(%s): Attempts %d, Seq %d, %v; want 1, 2", j.ID, stored.Attempts, stored.Seq, err)
		}
	}
}
