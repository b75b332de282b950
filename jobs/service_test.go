package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

func TestSubmitStoresAndInvokes(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	j := f.submit(t, "echo", `{ "text" : "hi" }`)
	if j.Status != jobs.StatusPending || j.Seq != 1 || string(j.Parameters) != `{"text":"hi"}` {
		t.Fatalf("submitted job %+v", j)
	}
	if !j.ExpiresAt.Equal(j.CreatedAt.Add(time.Hour)) {
		t.Fatalf("expiresAt %s, want createdAt + retention", j.ExpiresAt)
	}
	if len(f.invoker.ids) != 1 || f.invoker.ids[0] != j.ID {
		t.Fatalf("invoked %v, want [%s]", f.invoker.ids, j.ID)
	}
	if stored := f.get(t, j.ID); stored.RequestHash != j.RequestHash || stored.Status != jobs.StatusPending {
		t.Fatalf("stored %+v", stored)
	}
}

func TestSubmitRefusesBadParameters(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	for _, params := range []string{`{}`, `{"text":1}`, `{"text":"x","other":1}`, `{"text":"x","fail":"maybe"}`, `{`, `[]`, `{"text":"x"} {}`} {
		_, _, err := f.service.Submit(context.Background(), jobs.SubmitRequest{Type: "echo", Parameters: json.RawMessage(params)})
		var verr *jobs.ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("params %s: error %v, want a ValidationError", params, err)
		}
	}
	_, _, err := f.service.Submit(context.Background(), jobs.SubmitRequest{Type: "nope", Parameters: json.RawMessage(`{}`)})
	var verr *jobs.ValidationError
	if !errors.As(err, &verr) || verr.Fields[0].Field != "type" {
		t.Fatalf("unknown type: %v, want a ValidationError on type", err)
	}
	if len(f.invoker.ids) != 0 {
		t.Fatalf("invalid requests were invoked: %v", f.invoker.ids)
	}
}

func TestSubmitIdempotency(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	req := jobs.SubmitRequest{Type: "echo", Parameters: json.RawMessage(`{"text":"a"}`), IdempotencyKey: "k1"}
	first, replayed, err := f.service.Submit(context.Background(), req)
	if err != nil || replayed {
		t.Fatalf("first submit: replayed %v err %v", replayed, err)
	}
	// The same request, spelled differently, is the same request.
	req.Parameters = json.RawMessage(`{ "text": "a" }`)
	again, replayed, err := f.service.Submit(context.Background(), req)
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("replay: id %s (want %s) replayed %v err %v", again.ID, first.ID, replayed, err)
	}
	req.Parameters = json.RawMessage(`{"text":"b"}`)
	if _, _, err := f.service.Submit(context.Background(), req); !errors.Is(err, jobs.ErrIdempotencyMismatch) {
		t.Fatalf("other body: %v, want ErrIdempotencyMismatch", err)
	}
	if len(f.invoker.ids) != 1 {
		t.Fatalf("invoked %d times, want once", len(f.invoker.ids))
	}
}

func TestSubmitOverloadedKeepsNothing(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	f.invoker.err = jobs.ErrOverloaded
	j, _, err := f.service.Submit(context.Background(), jobs.SubmitRequest{Type: "echo", Parameters: json.RawMessage(`{"text":"a"}`), IdempotencyKey: "k"})
	if !errors.Is(err, jobs.ErrOverloaded) {
		t.Fatalf("err %v, want ErrOverloaded", err)
	}
	if j.ID != "" {
		t.Fatalf("a refused submission returned job %s", j.ID)
	}
	if _, err := f.store.Get(context.Background(), "job-b"); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("the refused job was kept: %v", err)
	}
	f.invoker.err = nil
	if _, replayed, err := f.service.Submit(context.Background(), jobs.SubmitRequest{Type: "echo", Parameters: json.RawMessage(`{"text":"a"}`), IdempotencyKey: "k"}); err != nil || replayed {
		t.Fatalf("retry after 503: replayed %v err %v; the key should be free", replayed, err)
	}
}

func TestGetHidesExpiredJobs(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	j := f.submit(t, "echo", `{"text":"a"}`)
	if _, err := f.service.Get(context.Background(), "", j.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	if _, err := f.service.Get(context.Background(), "", j.ID); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("expired job: %v, want ErrNotFound", err)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	j := f.submit(t, "echo", `{"text":"a"}`)
	got, err := f.service.Cancel(context.Background(), "", j.ID)
	if err != nil || got.Status != jobs.StatusCancelled || got.FinishedAt.IsZero() || got.Seq != 2 {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if _, err := f.service.Cancel(context.Background(), "", j.ID); !errors.Is(err, jobs.ErrTerminal) {
		t.Fatalf("second cancel: %v, want ErrTerminal", err)
	}
	if _, err := f.service.Cancel(context.Background(), "", "missing"); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("cancel missing: %v, want ErrNotFound", err)
	}
}

func TestWaitWakesOnTheTerminalChange(t *testing.T) {
	t.Parallel()
	// In a synctest bubble, synctest.Wait returns once Wait is waiting for a
	// change: the job then finishes while it waits, not before.
	synctest.Test(t, func(t *testing.T) {
		f := setup(t, echoType())
		j := f.submit(t, "echo", `{"text":"a"}`)
		type answer struct {
			job jobs.Job
			err error
		}
		waited := make(chan answer, 1)
		go func() {
			got, err := f.service.Wait(context.Background(), "", j.ID, 20*time.Second, time.Time{})
			waited <- answer{got, err}
		}()
		synctest.Wait()
		select {
		case a := <-waited:
			t.Fatalf("Wait returned %s %v before the job finished", a.job.Status, a.err)
		default:
		}
		f.processor.Handle(context.Background(), jobs.Invocation{JobID: j.ID})
		if a := <-waited; a.err != nil || a.job.Status != jobs.StatusSuccess {
			t.Fatalf("wait: %s %v, want Success", a.job.Status, a.err)
		}
	})
}

func TestWaitTimesOutWithTheCurrentJob(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	j := f.submit(t, "echo", `{"text":"a"}`)
	got, err := f.service.Wait(context.Background(), "", j.ID, 30*time.Millisecond, time.Time{})
	if err != nil || got.Status != jobs.StatusPending || got.ID != j.ID {
		t.Fatalf("wait: %+v %v, want the Pending job", got, err)
	}
	if _, err := f.service.Wait(context.Background(), "", "missing", time.Second, time.Time{}); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("wait on missing: %v, want ErrNotFound", err)
	}
}

func TestOtherPrincipalsJobsDoNotExist(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	ctx := context.Background()
	req := jobs.SubmitRequest{Owner: "alice", Type: "echo", Parameters: json.RawMessage(`{"text":"a"}`), IdempotencyKey: "k"}
	mine, _, err := f.service.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.service.Get(ctx, "bob", mine.ID); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("bob's Get of alice's job: %v, want ErrNotFound", err)
	}
	if _, err := f.service.Wait(ctx, "bob", mine.ID, time.Second, time.Time{}); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("bob's Wait on alice's job: %v, want ErrNotFound", err)
	}
	if _, err := f.service.Cancel(ctx, "bob", mine.ID); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("bob's Cancel of alice's job: %v, want ErrNotFound", err)
	}
	// Bob's Idempotency-Key "k" is his own.
	req.Owner = "bob"
	theirs, replayed, err := f.service.Submit(ctx, req)
	if err != nil || replayed || theirs.ID == mine.ID {
		t.Fatalf("bob's submit with alice's key: id %s (alice's %s), replayed %v, %v", theirs.ID, mine.ID, replayed, err)
	}
	if got, err := f.service.Get(ctx, "alice", mine.ID); err != nil || got.Status != jobs.StatusPending {
		t.Fatalf("alice's job after bob's calls: %+v %v", got, err)
	}
}
