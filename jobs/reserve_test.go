package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// queue is an Invoker with places to reserve, as jobsd's is: it refuses
// with ErrOverloaded once size places are taken, and fails Invoke with
// invokeErr when set.
type queue struct {
	mu        sync.Mutex
	size      int
	taken     int      // places reserved or filled
	invoked   []string // jobs dispatched, in order
	invokeErr error
}

var _ jobs.Reserver = (*queue)(nil)

func (q *queue) Invoke(ctx context.Context, id string) error {
	place, err := q.Reserve(ctx)
	if err != nil {
		return err
	}
	defer place.Release()
	return place.Invoke(ctx, id)
}

func (q *queue) Reserve(context.Context) (jobs.Reservation, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.taken == q.size {
		return nil, jobs.ErrOverloaded
	}
	q.taken++
	return &place{q: q}, nil
}

// held returns how many places are taken and which jobs were dispatched.
func (q *queue) held() (int, []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.taken, q.invoked
}

type place struct {
	q    *queue
	done bool
}

func (p *place) Invoke(_ context.Context, id string) error {
	p.q.mu.Lock()
	defer p.q.mu.Unlock()
	if p.q.invokeErr != nil {
		return p.q.invokeErr
	}
	p.done = true
	p.q.invoked = append(p.q.invoked, id)
	return nil
}

func (p *place) Release() {
	p.q.mu.Lock()
	defer p.q.mu.Unlock()
	if !p.done {
		p.done = true
		p.q.taken--
	}
}

// countingStore counts the writes that reach its Store, and fails Create
// with createErr when set.
type countingStore struct {
	jobs.Store
	mu               sync.Mutex
	creates, deletes int
	createErr        error
}

func (s *countingStore) Create(ctx context.Context, j jobs.Job) (jobs.Job, error) {
	s.mu.Lock()
	s.creates++
	err := s.createErr
	s.mu.Unlock()
	if err != nil {
		return jobs.Job{}, err
	}
	return s.Store.Create(ctx, j)
}

func (s *countingStore) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	s.deletes++
	s.mu.Unlock()
	return s.Store.Delete(ctx, id)
}

func (s *countingStore) writes() (creates, deletes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates, s.deletes
}

// setupQueue returns a Service over a queue of size places and a store that
// counts writes.
func setupQueue(t *testing.T, size int) (*jobs.Service, *queue, *countingStore) {
	t.Helper()
	f := setup(t, echoType())
	q := &queue{size: size}
	store := &countingStore{Store: f.store}
	cfg := f.config
	cfg.Invoker, cfg.Store = q, store
	return jobs.NewService(cfg), q, store
}

func echoRequest(key string) jobs.SubmitRequest {
	return jobs.SubmitRequest{Type: "echo", Parameters: json.RawMessage(`{"text":"a"}`), IdempotencyKey: key}
}

func TestSubmitFillsAReservedPlace(t *testing.T) {
	t.Parallel()
	svc, q, store := setupQueue(t, 1)
	j, _, err := svc.Submit(context.Background(), echoRequest(""))
	if err != nil {
		t.Fatal(err)
	}
	taken, invoked := q.held()
	if creates, deletes := store.writes(); taken != 1 || len(invoked) != 1 || invoked[0] != j.ID || creates != 1 || deletes != 0 {
		t.Fatalf("places taken %d, dispatched %v, creates %d, deletes %d; want 1, [%s], 1, 0", taken, invoked, creates, deletes, j.ID)
	}
}

func TestSubmitRefusedByAFullQueueWritesNothing(t *testing.T) {
	t.Parallel()
	svc, q, store := setupQueue(t, 0)
	if _, _, err := svc.Submit(context.Background(), echoRequest("")); !errors.Is(err, jobs.ErrOverloaded) {
		t.Fatalf("err %v, want ErrOverloaded", err)
	}
	if creates, deletes := store.writes(); creates != 0 || deletes != 0 {
		t.Fatalf("a refused submission made %d creates and %d deletes, want none", creates, deletes)
	}
	if taken, _ := q.held(); taken != 0 {
		t.Fatalf("%d places taken, want 0", taken)
	}
}

func TestSubmitGivesItsPlaceBackOnFailure(t *testing.T) {
	t.Parallel()
	for name, fail := range map[string]func(*queue, *countingStore){
		"store":    func(_ *queue, s *countingStore) { s.createErr = errBoom },
		"dispatch": func(q *queue, _ *countingStore) { q.invokeErr = jobs.ErrUnavailable },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svc, q, store := setupQueue(t, 1)
			fail(q, store)
			if _, _, err := svc.Submit(context.Background(), echoRequest("")); err == nil {
				t.Fatal("the submission succeeded")
			}
			if taken, _ := q.held(); taken != 0 {
				t.Fatalf("%d places still taken after a failed submission, want 0", taken)
			}
		})
	}
}

// A request with an Idempotency-Key is replayed whatever the queue's room:
// the job it names was accepted.
func TestSubmitReplaysWhenTheQueueIsFull(t *testing.T) {
	t.Parallel()
	svc, q, store := setupQueue(t, 1)
	ctx := context.Background()
	first, _, err := svc.Submit(ctx, echoRequest("k"))
	if err != nil {
		t.Fatal(err)
	}
	again, replayed, err := svc.Submit(ctx, echoRequest("k"))
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("replay with a full queue: %s, replayed %v, %v; want %s replayed", again.ID, replayed, err, first.ID)
	}
	if _, _, err := svc.Submit(ctx, echoRequest("other")); !errors.Is(err, jobs.ErrOverloaded) {
		t.Fatalf("a new key with a full queue: %v, want ErrOverloaded", err)
	}
	if creates, deletes := store.writes(); creates != 3 || deletes != 1 {
		t.Fatalf("creates %d, deletes %d; want 3 and 1 (the refused new key is removed)", creates, deletes)
	}
	if taken, _ := q.held(); taken != 1 {
		t.Fatalf("%d places taken, want 1", taken)
	}
}
