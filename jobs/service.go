package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// MaxWait is the longest a caller may wait for a job to finish, under API
// Gateway's 29-second integration timeout.
const MaxWait = 25 * time.Second

// ServiceConfig is what a Service needs.
type ServiceConfig struct {
	Store     Store
	Types     *Registry
	Invoker   Invoker
	Notifier  Notifier
	Meter     Meter // optional: counts submissions and cancellations
	Watcher   Watcher
	Clock     Clock
	Retention time.Duration // how long a job is kept after it is created
	NewID     func() string
	Logger    *slog.Logger
	// Encode appends a job's public JSON (jobjson.Append) for GetEncoded
	// when the Store is no EncodedReader.
	Encode func(dst []byte, j Job) []byte
	// CursorKey signs List's cursors (at least MinCursorKeyBytes): a secret
	// of the service, the same for every instance and across restarts.
	CursorKey []byte
}

// Service is what the API does with jobs: submit, read, list, cancel and wait.
type Service struct {
	cfg     ServiceConfig
	commits Committer
}

// NewService returns a Service over cfg, which must be complete.
func NewService(cfg ServiceConfig) *Service {
	return &Service{cfg: cfg, commits: Committer{Store: cfg.Store, Clock: cfg.Clock, Notifier: cfg.Notifier, Meter: cfg.Meter}}
}

// SubmitRequest asks for a new job.
type SubmitRequest struct {
	Owner          string // the calling principal
	Type           string
	Parameters     json.RawMessage
	IdempotencyKey string
}

// Submit validates the request, stores the job durably and dispatches it.
// With an IdempotencyKey already used for the same request it returns the
// existing job and replayed = true; for another request, ErrIdempotencyMismatch.
func (s *Service) Submit(ctx context.Context, req SubmitRequest) (job Job, replayed bool, err error) {
	params, err := s.cfg.Types.Parameters(req.Type, req.Parameters)
	if err != nil {
		return Job{}, false, err
	}
	now := s.cfg.Clock.Now()
	j := Job{
		ID:             s.cfg.NewID(),
		Owner:          req.Owner,
		Type:           req.Type,
		Status:         StatusPending,
		Parameters:     params,
		CreatedAt:      now,
		UpdatedAt:      now,
		ExpiresAt:      now.Add(s.cfg.Retention),
		Seq:            1,
		IdempotencyKey: req.IdempotencyKey,
		RequestHash:    requestHash(req.Type, params),
	}
	// A submission that got this far completes even if its caller goes away.
	ctx = context.WithoutCancel(ctx)
	// A place in the queue is taken before the job is stored, so that a
	// refusal costs no write; a request with an Idempotency-Key goes on to
	// the store all the same, which may hold a job to replay.
	dispatch := s.cfg.Invoker.Invoke
	if r, ok := s.cfg.Invoker.(Reserver); ok {
		place, err := r.Reserve(ctx)
		switch {
		case err == nil:
			defer place.Release()
			dispatch = place.Invoke
		case req.IdempotencyKey == "":
			return Job{}, false, fmt.Errorf("dispatch job %s: %w", j.ID, err)
		}
	}
	// Announced before it is dispatched, so that its Pending is not published
	// after the processor's Running. Should the dispatch fail, the event names
	// a job that no one was told of.
	stored, err := s.commits.Create(ctx, j)
	if errors.Is(err, ErrDuplicate) {
		if stored.RequestHash != j.RequestHash {
			return Job{}, false, ErrIdempotencyMismatch
		}
		return stored, true, nil
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("submit job: %w", err)
	}
	if err := dispatch(ctx, stored.ID); err != nil {
		// Not acknowledged, so not kept: the client is told to try again.
		if derr := s.cfg.Store.Delete(ctx, stored.ID); derr != nil {
			s.cfg.Logger.Error("remove a job that could not be dispatched; it will run after a restart",
				"job", stored.ID, "type", stored.Type, "err", derr)
		}
		return Job{}, false, fmt.Errorf("dispatch job %s: %w", stored.ID, err)
	}
	return stored, false, nil
}

// requestHash identifies a request by its type and canonical parameters.
func requestHash(typ string, params json.RawMessage) string {
	h := sha256.New()
	h.Write([]byte(typ))
	h.Write([]byte{0})
	h.Write(params)
	return hex.EncodeToString(h.Sum(nil))
}

// Get returns the owner's job, or ErrNotFound if it does not exist, has
// expired or belongs to someone else (who cannot learn that it exists).
func (s *Service) Get(ctx context.Context, owner, id string) (Job, error) {
	j, err := s.cfg.Store.Get(ctx, id)
	if err != nil {
		return Job{}, fmt.Errorf("get job %s: %w", id, err)
	}
	if !s.visible(j, owner) {
		return Job{}, fmt.Errorf("get job %s: %w", id, ErrNotFound)
	}
	return j, nil
}

// GetEncoded is Get answering the job's public JSON: the bytes the Store
// keeps when it is an EncodedReader, else the job read and encoded. What the
// caller may not see is ErrNotFound, as in Get.
func (s *Service) GetEncoded(ctx context.Context, owner, id string) (Encoded, error) {
	reader, ok := s.cfg.Store.(EncodedReader)
	if !ok {
		j, err := s.Get(ctx, owner, id)
		if err != nil {
			return Encoded{}, err
		}
		// Room for the fields around the raw JSON, so that it is allocated once.
		buf := make([]byte, 0, 384+len(j.Parameters)+len(j.Results))
		return Encoded{ID: j.ID, Owner: j.Owner, Status: j.Status, Seq: j.Seq, ExpiresAt: j.ExpiresAt,
			JSON: s.cfg.Encode(buf, j)}, nil
	}
	e, err := reader.GetEncoded(ctx, id)
	if err != nil {
		return Encoded{}, fmt.Errorf("get job %s: %w", id, err)
	}
	if !s.visible(Job{Owner: e.Owner, ExpiresAt: e.ExpiresAt}, owner) {
		return Encoded{}, fmt.Errorf("get job %s: %w", id, ErrNotFound)
	}
	return e, nil
}

// visible reports whether owner may see j now: it is theirs and unexpired.
func (s *Service) visible(j Job, owner string) bool {
	return j.Owner == owner && !j.Expired(s.cfg.Clock.Now())
}

// Cancel stops a Pending job, or a Running one cooperatively: the job is
// Cancelled at once and its running code is told to stop. A finished job
// gives ErrTerminal.
func (s *Service) Cancel(ctx context.Context, owner, id string) (Job, error) {
	if _, err := s.Get(ctx, owner, id); err != nil {
		return Job{}, err
	}
	j, err := s.commits.Commit(ctx, id, (*Job).Cancel)
	if err != nil {
		return j, fmt.Errorf("cancel job %s: %w", id, err)
	}
	return j, nil
}

// Wait returns the owner's job once it is terminal or when the wait ends:
// d (at most MaxWait) after Wait is called, or at answerBy if that is earlier
// (zero: no such bound). Setting up the watch counts against the wait. The
// job returned is always read from the store: when a change is heard of, and
// once more when the wait ends, so a change that push did not deliver is
// still seen.
func (s *Service) Wait(ctx context.Context, owner, id string, d time.Duration, answerBy time.Time) (Job, error) {
	if d <= 0 {
		return s.Get(ctx, owner, id)
	}
	end := s.cfg.Clock.Now().Add(min(d, MaxWait))
	if !answerBy.IsZero() && answerBy.Before(end) {
		end = answerBy
	}
	watchCtx, cancelWatch := context.WithTimeout(ctx, end.Sub(s.cfg.Clock.Now()))
	defer cancelWatch()
	changes, stop := s.cfg.Watcher.Watch(watchCtx, id)
	defer stop()
	j, err := s.Get(ctx, owner, id)
	left := end.Sub(s.cfg.Clock.Now())
	if err != nil || j.Status.Terminal() || left <= 0 {
		return j, err
	}
	timer := time.NewTimer(left)
	defer timer.Stop()
	for {
		select {
		case c := <-changes:
			if c.Seq <= j.Seq {
				continue
			}
			if j, err = s.Get(ctx, owner, id); err != nil || j.Status.Terminal() {
				return j, err
			}
		case <-timer.C:
			return s.Get(ctx, owner, id)
		case <-ctx.Done():
			return j, nil
		}
	}
}
