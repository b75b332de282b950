package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// fenceTTL is how long a fence keeps the id of an abandoned Create: far longer
// than any Create can take.
const fenceTTL = 24 * time.Hour

// Create stores j as it is and returns it as stored.
// When an unexpired job holds j's IdempotencyKey, it stores nothing and
// returns that job with an error wrapping jobs.ErrDuplicate; a job whose
// ExpiresAt is not after j.CreatedAt no longer holds its key. An id that
// exists already is an error wrapping jobs.ErrConflict, and so is losing a
// race for the key to a concurrent Create more than maxTries times.
//
// With a key, Create takes the key first (a conditional put of its
// idempotency entry), then writes the job. Between the two writes the entry
// points at a job that does not exist yet, and if the process dies there, it
// never will: the entry dangles. So an entry whose job is missing does not
// hold its key. Another Create that finds one first fences the missing job's
// id (a conditional put of a fence item, if no job has appeared meanwhile),
// then takes the entry over (conditional on it being unchanged). The fence
// makes the job write of a Create that was merely slow fail, so that it can
// never store a second job with the key; that Create returns ErrConflict and
// its client can try again. Without transactions, these conditions are what
// keep the key to one job: nothing is ever stuck behind a crash, and no two
// jobs ever hold one key.
//
// Why not a transaction: in AWS, one TransactWriteItems with both puts (the
// job on attribute_not_exists, the entry on attribute_not_exists or
// expired) would store both or neither, so no entry could dangle and there
// would be no fence, no take-over and no ErrConflict for a slow Create; with
// a ClientRequestToken, a retry of a call whose answer was lost would, for
// ten minutes, get the first call's outcome instead of running again.
// DynamoDB itself needs nothing this protocol does. It is used because
// dynalite, which serves DynamoDB's API to the conformance suite in make
// test and to the local AWS stack, has no TransactWriteItems (nor
// TransactGetItems): a transactional Create would run in AWS only and never
// in a test. The protocol gives the same guarantees (one job per key, none
// stuck behind a crash) with single-item conditional writes, at the price
// of a third write and a fence item on the rare take-over; a transaction
// would instead cost two write units per item on every Create with a key.
// Should the tests get an emulator with transactions, revisit this.
func (s *Store) Create(ctx context.Context, j jobs.Job) (jobs.Job, error) {
	if !isJobID(j.ID) {
		return jobs.Job{}, fmt.Errorf("dynamostore: create job %q: an id must not be empty, start with %q or be %q", j.ID, keyPrefix, cursorKeyID)
	}
	it, err := toJobItem(j)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("dynamostore: create job %s: %w", j.ID, err)
	}
	if j.IdempotencyKey != "" {
		holder, err := s.takeKey(ctx, j)
		if err != nil {
			return holder, fmt.Errorf("dynamostore: create job %s: %w", j.ID, err)
		}
	}
	err = s.putItem(ctx, it, "attribute_not_exists(#id)", map[string]string{"#id": attrID}, nil)
	if errors.Is(err, jobs.ErrConflict) {
		err = s.checkStored(ctx, it)
	}
	if err != nil {
		return jobs.Job{}, fmt.Errorf("dynamostore: create job %s: %w", j.ID, err)
	}
	return j, nil
}

// checkStored tells, after the write of a new job failed its condition,
// whether the stored item is that job all the same: the SDK retries a write
// whose answer got lost, and the retry fails on the first attempt's success.
// If it is something else, the id is taken (or fenced): jobs.ErrConflict.
func (s *Store) checkStored(ctx context.Context, it jobItem) error {
	var stored jobItem
	err := s.getItem(ctx, it.ID, &stored)
	switch {
	case err != nil && !errors.Is(err, jobs.ErrNotFound):
		return fmt.Errorf("read the item that took the id: %w", err)
	case stored.Rev == it.Rev:
		return nil
	case stored.Abandoned:
		return fmt.Errorf("a concurrent Create with the idempotency key fenced the id: %w", jobs.ErrConflict)
	}
	return fmt.Errorf("the id is taken: %w", jobs.ErrConflict)
}

// takeKey makes the idempotency entry of j's key point at j. When an unexpired
// job holds the key, it returns that job with jobs.ErrDuplicate.
func (s *Store) takeKey(ctx context.Context, j jobs.Job) (jobs.Job, error) {
	entry, err := toKeyItem(j)
	if err != nil {
		return jobs.Job{}, err
	}
	for range maxTries {
		holder, took, err := s.takeKeyOnce(ctx, j, entry)
		switch {
		case err != nil:
			return jobs.Job{}, fmt.Errorf("take idempotency key: %w", err)
		case holder != nil:
			return *holder, fmt.Errorf("idempotency key held by job %s: %w", holder.ID, jobs.ErrDuplicate)
		case took:
			return jobs.Job{}, nil
		}
	}
	return jobs.Job{}, fmt.Errorf("take idempotency key: %d concurrent changes in a row: %w", maxTries, jobs.ErrConflict)
}

// takeKeyOnce makes one attempt at pointing the entry at j. It reports took if
// it did, returns the holder if an unexpired job holds the key, and neither
// if another writer changed something it read, for the caller to try again.
func (s *Store) takeKeyOnce(ctx context.Context, j jobs.Job, entry keyItem) (holder *jobs.Job, took bool, err error) {
	// The holder has expired if the entry says so, as TTL will; this saves
	// reading it. (Its ExpiresAt may have moved since, but the entry's TTL
	// would end the entry all the same.)
	err = s.putItem(ctx, entry, "attribute_not_exists(#id) OR #exact <= :createdAt",
		map[string]string{"#id": attrID, "#exact": attrExact},
		map[string]types.AttributeValue{":createdAt": &types.AttributeValueMemberS{Value: j.CreatedAt.UTC().Format(timeLayout)}})
	if !errors.Is(err, jobs.ErrConflict) {
		return nil, err == nil, err
	}
	var held keyItem
	if err := s.getItem(ctx, entry.ID, &held); err != nil {
		if errors.Is(err, jobs.ErrNotFound) { // deleted meanwhile
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("read the entry: %w", err)
	}
	if held.JobID == j.ID {
		// This Create's own, from a write whose answer got lost: the job
		// write decides.
		return nil, true, nil
	}
	var it jobItem
	err = s.getItem(ctx, held.JobID, &it)
	switch {
	case errors.Is(err, jobs.ErrNotFound):
		// A dangling entry, or a Create in flight: fence the id so that its
		// job can never be written, unless it has been meanwhile.
		fence := fenceItem{ID: held.JobID, Abandoned: true, ExpiresAt: ttl(s.clock.Now().Add(fenceTTL))}
		err := s.putItem(ctx, fence, "attribute_not_exists(#id)", map[string]string{"#id": attrID}, nil)
		if errors.Is(err, jobs.ErrConflict) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("fence job %s: %w", held.JobID, err)
		}
	case err != nil:
		return nil, false, fmt.Errorf("read the holder %s: %w", held.JobID, err)
	case !it.Abandoned && it.Owner == j.Owner && it.IdempotencyKey == j.IdempotencyKey:
		h, err := fromJobItem(it)
		if err != nil {
			return nil, false, fmt.Errorf("read the holder %s: %w", held.JobID, err)
		}
		if !h.Expired(j.CreatedAt) {
			return &h, false, nil
		}
	}
	// The entry points at a fence, an expired job, or a job that does not
	// have the key (one whose Create found its id taken): take it over.
	err = s.putItem(ctx, entry, "#jobId = :old", map[string]string{"#jobId": attrJobID},
		map[string]types.AttributeValue{":old": &types.AttributeValueMemberS{Value: held.JobID}})
	if errors.Is(err, jobs.ErrConflict) {
		return nil, false, nil
	}
	return nil, err == nil, err
}
