package handlers

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// epoch is the fixed time of every test job.
var epoch = time.Date(2025, 1, 2, 3, 4, 5, 678_000_000, time.UTC)

// fakeService is a hand-written Service over a map of jobs.
type fakeService struct {
	mu      sync.Mutex
	jobs    map[string]jobs.Job
	submits []jobs.SubmitRequest // every request Submit received
	owners  []string             // the owner of every Get, Cancel and Wait
	waits   []time.Duration      // every duration Wait received
	bys     []time.Time          // every answerBy Wait received
	calls   int                  // calls of any method
	err     error                // returned by every method when set
	waitErr error                // returned by Wait when set
	replay  string               // Submit replays this job when set
	finish  bool                 // Wait finishes the job with Success
	panics  bool                 // every method panics
	encoded []byte               // GetEncoded answers these bytes when set
}

// newFake returns a fake holding "pending-1" (Pending) and "done-1" (Success).
func newFake() *fakeService {
	return &fakeService{jobs: map[string]jobs.Job{
		"pending-1": {ID: "pending-1", Type: "sleep", Status: jobs.StatusPending, Parameters: json.RawMessage(`{"seconds":1}`),
			CreatedAt: epoch, UpdatedAt: epoch, ExpiresAt: epoch.Add(time.Hour), Seq: 1},
		"done-1": {ID: "done-1", Type: "sleep", Status: jobs.StatusSuccess, Parameters: json.RawMessage(`{"seconds":1}`),
			Results: json.RawMessage(`{"message":"I slept for 1 seconds"}`), Attempts: 1,
			CreatedAt: epoch, UpdatedAt: epoch, StartedAt: epoch, FinishedAt: epoch, ExpiresAt: epoch.Add(time.Hour), Seq: 3},
	}}
}

// begin counts a call and says what the call must fail with, if anything.
func (f *fakeService) begin() error {
	f.calls++
	if f.panics {
		panic("fake service exploded")
	}
	return f.err
}

func (f *fakeService) Submit(_ context.Context, req jobs.SubmitRequest) (jobs.Job, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submits = append(f.submits, req)
	if err := f.begin(); err != nil {
		return jobs.Job{}, false, err
	}
	j := jobs.Job{ID: fmt.Sprintf("job-%d", len(f.submits)), Type: req.Type, Status: jobs.StatusPending,
		Parameters: req.Parameters, CreatedAt: epoch, UpdatedAt: epoch, ExpiresAt: epoch.Add(time.Hour), Seq: 1,
		IdempotencyKey: req.IdempotencyKey, RequestHash: "hash"}
	if f.replay != "" {
		return f.jobs[f.replay], true, nil
	}
	f.jobs[j.ID] = j
	return j, false, nil
}

func (f *fakeService) Get(_ context.Context, owner, id string) (jobs.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.owners = append(f.owners, owner)
	if err := f.begin(); err != nil {
		return jobs.Job{}, err
	}
	return f.lookup(id)
}

func (f *fakeService) Cancel(_ context.Context, owner, id string) (jobs.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.owners = append(f.owners, owner)
	if err := f.begin(); err != nil {
		return jobs.Job{}, err
	}
	j, err := f.lookup(id)
	if err != nil {
		return j, err
	}
	if j.Status.Terminal() {
		return j, fmt.Errorf("cancel job %s: %w", id, jobs.ErrTerminal)
	}
	j.Status, j.FinishedAt, j.Seq = jobs.StatusCancelled, epoch, j.Seq+1
	f.jobs[id] = j
	return j, nil
}

func (f *fakeService) Wait(_ context.Context, owner, id string, d time.Duration, answerBy time.Time) (jobs.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.owners = append(f.owners, owner)
	f.waits = append(f.waits, d)
	f.bys = append(f.bys, answerBy)
	if err := cmp.Or(f.begin(), f.waitErr); err != nil {
		return jobs.Job{}, err
	}
	j, err := f.lookup(id)
	if err == nil && f.finish && !j.Status.Terminal() {
		j.Status, j.Results, j.FinishedAt, j.Seq = jobs.StatusSuccess, json.RawMessage(`{"ok":true}`), epoch, j.Seq+1
		f.jobs[id] = j
	}
	return j, err
}

func (f *fakeService) lookup(id string) (jobs.Job, error) {
	j, ok := f.jobs[id]
	if !ok {
		return jobs.Job{}, fmt.Errorf("get job %s: %w", id, jobs.ErrNotFound)
	}
	return j, nil
}

// counts returns how many calls the service had and the Wait durations.
func (f *fakeService) counts() (int, []time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, f.waits
}

// lastSubmit returns the last request Submit received.
func (f *fakeService) lastSubmit(t *testing.T) jobs.SubmitRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.submits) == 0 {
		t.Fatal("Submit was not called")
	}
	return f.submits[len(f.submits)-1]
}

func (f *fakeService) GetEncoded(ctx context.Context, owner, id string) (jobs.Encoded, error) {
	j, err := f.Get(ctx, owner, id)
	if err != nil {
		return jobs.Encoded{}, err
	}
	e := jobs.Encoded{ID: j.ID, Owner: j.Owner, Status: j.Status, Seq: j.Seq, ExpiresAt: j.ExpiresAt, JSON: f.encoded}
	if e.JSON == nil {
		e.JSON = jobjson.Append(nil, j)
	}
	return e, nil
}

func (f *fakeService) List(_ context.Context, req jobs.ListRequest) (jobs.ListResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.owners = append(f.owners, req.Owner)
	return jobs.ListResult{}, f.begin()
}
