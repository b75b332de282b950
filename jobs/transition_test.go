package jobs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// TestTransitions tries every transition from every status: a legal one
// makes exactly its change, an illegal one leaves the job as it was.
func TestTransitions(t *testing.T) {
	t.Parallel()
	created := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := created.Add(time.Minute)
	why := jobs.ErrorInfo{Type: "Timeout", Message: "took too long", Condition: jobs.ConditionRetriesExhausted}
	progress := jobs.Progress{Step: "load", Current: 1, Total: 3}
	results := json.RawMessage(`{"rows":1}`)
	transitions := map[string]jobs.Transition{
		"Start":   (*jobs.Job).Start,
		"Report":  func(j *jobs.Job, now time.Time) error { return j.Report(progress, now) },
		"Succeed": func(j *jobs.Job, now time.Time) error { return j.Succeed(results, now) },
		"Fail":    func(j *jobs.Job, now time.Time) error { return j.Fail(why, now) },
		"Cancel":  (*jobs.Job).Cancel,
	}
	// want[transition][from] is the job's change, or the error.
	type outcome struct {
		err    error
		change func(j *jobs.Job)
	}
	start := func(j *jobs.Job) {
		j.Status, j.Attempts, j.UpdatedAt = jobs.StatusRunning, j.Attempts+1, now
		if j.StartedAt.IsZero() {
			j.StartedAt = now
		}
	}
	finish := func(status jobs.Status) func(j *jobs.Job) {
		return func(j *jobs.Job) { j.Status, j.UpdatedAt, j.FinishedAt = status, now, now }
	}
	terminal := outcome{err: jobs.ErrTerminal}
	illegal := outcome{err: jobs.ErrIllegalTransition}
	want := map[string]map[jobs.Status]outcome{
		"Start": {
			jobs.StatusPending: {change: start},
			jobs.StatusRunning: {change: start},
		},
		"Report": {
			jobs.StatusPending: illegal,
			jobs.StatusRunning: {change: func(j *jobs.Job) { j.Progress, j.UpdatedAt = &progress, now }},
		},
		"Succeed": {
			jobs.StatusPending: illegal,
			jobs.StatusRunning: {change: func(j *jobs.Job) { finish(jobs.StatusSuccess)(j); j.Results = results }},
		},
		"Fail": {
			jobs.StatusPending: {change: func(j *jobs.Job) { finish(jobs.StatusFailure)(j); j.Error = &why }},
			jobs.StatusRunning: {change: func(j *jobs.Job) { finish(jobs.StatusFailure)(j); j.Error = &why }},
		},
		"Cancel": {
			jobs.StatusPending: {change: finish(jobs.StatusCancelled)},
			jobs.StatusRunning: {change: finish(jobs.StatusCancelled)},
		},
	}
	statuses := []jobs.Status{jobs.StatusPending, jobs.StatusRunning, jobs.StatusSuccess, jobs.StatusFailure, jobs.StatusCancelled}
	for name, transition := range transitions {
		for _, from := range statuses {
			t.Run(fmt.Sprintf("%s from %s", name, from), func(t *testing.T) {
				t.Parallel()
				before := jobs.Job{ID: "job-1", Status: from, Attempts: 1, CreatedAt: created, UpdatedAt: created,
					ExpiresAt: created.Add(time.Hour), Seq: 4}
				if from == jobs.StatusRunning {
					before.StartedAt = created
				}
				expected, ok := want[name][from]
				if !ok {
					expected = terminal // every terminal status refuses every transition
				}
				got := before.Clone()
				err := transition(&got, now)
				if expected.err != nil {
					if !errors.Is(err, expected.err) {
						t.Fatalf("error %v, want %v", err, expected.err)
					}
					if !reflect.DeepEqual(got, before) {
						t.Errorf("a refused transition changed the job:\n got %+v\nwant %+v", got, before)
					}
					return
				}
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				after := before.Clone()
				expected.change(&after)
				if !reflect.DeepEqual(got, after) {
					t.Errorf("job after %s:\n got %+v\nwant %+v", name, got, after)
				}
			})
		}
	}
}

func TestStartRefusesAnExpiredJob(t *testing.T) {
	t.Parallel()
	created := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	j := jobs.Job{ID: "job-1", Status: jobs.StatusPending, CreatedAt: created, ExpiresAt: created.Add(time.Hour)}
	before := j.Clone()
	if err := j.Start(created.Add(time.Hour)); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("Start at expiry: %v, want ErrNotFound", err)
	}
	if !reflect.DeepEqual(j, before) {
		t.Errorf("a refused Start changed the job: %+v", j)
	}
}

func TestNextKeepsIdentityAndCountsSeq(t *testing.T) {
	t.Parallel()
	old := jobs.Job{ID: "job-1", Owner: "alice", IdempotencyKey: "k", Status: jobs.StatusRunning, Seq: 4,
		Progress: &jobs.Progress{Current: 1}}
	next, err := old.Next(func(j *jobs.Job) error {
		j.ID, j.Owner, j.IdempotencyKey, j.Seq = "other", "mallory", "k2", 100
		j.Progress.Current = 2
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if next.ID != "job-1" || next.Owner != "alice" || next.IdempotencyKey != "k" || next.Seq != 5 || next.Progress.Current != 2 {
		t.Errorf("Next made %+v, want identity kept, Seq 5, the change applied", next)
	}
	if old.Progress.Current != 1 {
		t.Errorf("Next changed the old job's memory: %+v", old.Progress)
	}
	refused := errors.New("refused")
	if got, err := old.Next(func(j *jobs.Job) error { j.Attempts = 9; return refused }); err != refused || !reflect.DeepEqual(got, old) {
		t.Errorf("refused change: %+v, %v; want the old job and the change's error", got, err)
	}
	done := jobs.Job{ID: "job-2", Status: jobs.StatusSuccess, Seq: 3}
	called := false
	if got, err := done.Next(func(*jobs.Job) error { called = true; return nil }); !errors.Is(err, jobs.ErrTerminal) || called || got.Seq != 3 {
		t.Errorf("Next of a terminal job: %+v, %v, change called %v; want it as it is, ErrTerminal, not called", got, err, called)
	}
}
