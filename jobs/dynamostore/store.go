// Package dynamostore is the jobs.Store on DynamoDB. One table, with the
// partition key "id" (S) and TTL on "expiresAt", holds the jobs and the
// idempotency entries of their keys; its index IndexByOwner lists an owner's
// jobs (list.go). It uses single-item conditional writes
// only, no transactions: every job carries a Seq, and every change of a job
// is conditional on the Seq it was read with. Items past their ExpiresAt read as missing,
// since DynamoDB deletes them only some time after they expire.
package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/asyncjobs/asyncjobs/jobs"
)

var _ jobs.Store = (*Store)(nil)

// maxTries bounds the read-decide-write rounds of one Update or Create that
// lose races with other writers; after that they give up with jobs.ErrConflict.
const maxTries = 10

// Client is the part of *dynamodb.Client that the store uses.
type Client interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ Client = (*dynamodb.Client)(nil)

// Store keeps jobs in a DynamoDB table. It is safe for concurrent use.
type Store struct {
	client Client
	table  *string
	clock  jobs.Clock
}

// New returns a store on the table, which must exist with the partition key
// "id" of type S and the index IndexByOwner. The clock decides which jobs have expired.
func New(client Client, table string, clock jobs.Clock) *Store {
	return &Store{client: client, table: aws.String(table), clock: clock}
}

// Get returns the job, or an error wrapping jobs.ErrNotFound if there is none
// or it has expired.
func (s *Store) Get(ctx context.Context, id string) (jobs.Job, error) {
	j, _, err := s.readJob(ctx, id)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("dynamostore: get job %s: %w", id, err)
	}
	return j, nil
}

// Update writes what jobs.Job.Next makes of the job with fn (Seq one more;
// ID, Owner and IdempotencyKey kept), on the condition that the stored Seq
// has not changed. When another writer got in
// between, it reads the job again and calls fn again, up to maxTries times,
// then gives up with an error wrapping jobs.ErrConflict. A missing or expired
// job is an error wrapping jobs.ErrNotFound. A terminal job is returned with an
// error wrapping jobs.ErrTerminal, without calling fn. An error from fn is
// returned as it is, with the job unchanged.
//
// An Update that moves ExpiresAt moves the job's TTL, not the time its
// idempotency key is released: that stays the ExpiresAt it was created with.
func (s *Store) Update(ctx context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	lost := "" // the rev of a write whose condition seemed to fail
	for range maxTries {
		old, rev, err := s.readJob(ctx, id)
		if err != nil {
			return jobs.Job{}, fmt.Errorf("dynamostore: update job %s: %w", id, err)
		}
		if lost != "" && rev == lost {
			// The SDK retried a write whose answer got lost, and the retry
			// failed on the first attempt's success.
			return old, nil
		}
		j, err := old.Next(fn)
		if err != nil {
			return old, err
		}
		it, err := toJobItem(j)
		if err != nil {
			return old, fmt.Errorf("dynamostore: update job %s: %w", id, err)
		}
		err = s.putItem(ctx, it, "#seq = :seq", map[string]string{"#seq": attrSeq},
			map[string]types.AttributeValue{":seq": &types.AttributeValueMemberN{Value: strconv.FormatInt(old.Seq, 10)}})
		if errors.Is(err, jobs.ErrConflict) {
			lost = it.Rev
			continue
		}
		if err != nil {
			return old, fmt.Errorf("dynamostore: update job %s: %w", id, err)
		}
		return j, nil
	}
	return jobs.Job{}, fmt.Errorf("dynamostore: update job %s: changed by others %d times in a row: %w", id, maxTries, jobs.ErrConflict)
}

// Delete removes the job and, if it still points at the job, the idempotency
// entry of its key; a missing job is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if !isJobID(id) {
		return nil
	}
	// A fence stays: it must outlive the abandoned Create it stops.
	out, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                s.table,
		Key:                      key(id),
		ConditionExpression:      aws.String("attribute_not_exists(#abandoned)"),
		ExpressionAttributeNames: map[string]string{"#abandoned": attrAbandoned},
		ReturnValues:             types.ReturnValueAllOld,
	})
	if err = translate(err); errors.Is(err, jobs.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dynamostore: delete job %s: %w", id, err)
	}
	var it jobItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return fmt.Errorf("dynamostore: delete job %s: decode: %w", id, err)
	}
	if it.IdempotencyKey == "" {
		return nil
	}
	// If the job is gone and this fails, the entry is left dangling, which
	// the next Create with the key handles.
	_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 s.table,
		Key:                       key(keyID(it.Owner, it.IdempotencyKey)),
		ConditionExpression:       aws.String("#jobId = :id"),
		ExpressionAttributeNames:  map[string]string{"#jobId": attrJobID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: id}},
	})
	if err = translate(err); err != nil && !errors.Is(err, jobs.ErrConflict) {
		return fmt.Errorf("dynamostore: delete job %s: delete its idempotency entry: %w", id, err)
	}
	return nil
}

// readJob returns the job and the rev of the write that stored it, or
// jobs.ErrNotFound if there is none, it has expired or its id is fenced.
func (s *Store) readJob(ctx context.Context, id string) (jobs.Job, string, error) {
	if !isJobID(id) {
		return jobs.Job{}, "", jobs.ErrNotFound
	}
	var it jobItem
	if err := s.getItem(ctx, id, &it); err != nil {
		return jobs.Job{}, "", err
	}
	if it.Abandoned {
		return jobs.Job{}, "", jobs.ErrNotFound
	}
	j, err := fromJobItem(it)
	if err != nil {
		return jobs.Job{}, "", err
	}
	if j.Expired(s.clock.Now()) {
		return jobs.Job{}, "", jobs.ErrNotFound
	}
	return j, it.Rev, nil
}

// getItem reads the item with a strongly consistent read and decodes it into
// v; a missing item is jobs.ErrNotFound.
func (s *Store) getItem(ctx context.Context, id string, v any) error {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      s.table,
		Key:            key(id),
		ConsistentRead: aws.Bool(true),
	})
	if err := translate(err); err != nil {
		return err
	}
	if len(out.Item) == 0 {
		return jobs.ErrNotFound
	}
	if err := attributevalue.UnmarshalMap(out.Item, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// putItem writes the item v on the condition cond; a failed condition is
// jobs.ErrConflict.
func (s *Store) putItem(ctx context.Context, v any, cond string, names map[string]string, values map[string]types.AttributeValue) error {
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 s.table,
		Item:                      item,
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	return translate(err)
}

// translate is where DynamoDB's errors become the domain's: a failed write
// condition is jobs.ErrConflict (Create turns some into jobs.ErrDuplicate);
// any other error is returned as it is, for the caller to wrap with context.
// GetItem's empty answer, not an error to DynamoDB, is jobs.ErrNotFound in
// getItem.
func translate(err error) error {
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return fmt.Errorf("write condition failed: %w", jobs.ErrConflict)
	}
	return err
}

// isJobID reports whether id can be a job's: not empty, and not an
// idempotency entry's or the cursor key's.
func isJobID(id string) bool {
	return id != "" && !strings.HasPrefix(id, keyPrefix) && id != cursorKeyID
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: id}}
}
