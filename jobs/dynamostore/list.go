package dynamostore

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// The global secondary index that List queries: partition key "owner" (S),
// sort key "listKey" (S), every attribute projected. Only jobs have both
// attributes (idempotency entries and fences have no owner), and a job
// without an owner is not listed.
const (
	IndexByOwner  = "byOwner"
	AttrOwner     = "owner"
	AttrListKey   = "listKey"
	listKeySep    = "#"
	maxListChunks = 8 // Query calls of one List before it answers with what it has
)

// listKey is the sort key of a job in the index: CreatedAt in timeLayout,
// which sorts as the times do, then the id, so that jobs created at the same
// instant sort by id.
func listKey(createdAt, id string) string { return createdAt + listKeySep + id }

// List returns the owner's jobs that match q, newest first, from the index,
// whose reads are eventually consistent: a job created a moment ago may be
// missing from the list until DynamoDB has indexed it. The filters and the
// expiry are a FilterExpression, so a Query may read more jobs than it
// returns; List goes on reading until the page is full, the index has no
// more of the owner's jobs, or maxListChunks Queries have run, and then
// answers with fewer jobs and a Next to go on from.
func (s *Store) List(ctx context.Context, q jobs.ListQuery) (jobs.ListPage, error) {
	if q.Owner == "" {
		return jobs.ListPage{}, nil // not in the index
	}
	in, err := s.listInput(q)
	if err != nil {
		return jobs.ListPage{}, fmt.Errorf("dynamostore: list jobs: %w", err)
	}
	var page jobs.ListPage
	for range maxListChunks {
		// Without filters, one more than the page needs, to know whether a
		// job follows it; with them, more, as some will not match.
		in.Limit = aws.Int32(int32(q.Limit + 1 - len(page.Jobs)))
		if q.Status != "" || q.Type != "" {
			in.Limit = aws.Int32(jobs.MaxListLimit + 1)
		}
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return jobs.ListPage{}, fmt.Errorf("dynamostore: list jobs: %w", err)
		}
		for _, item := range out.Items {
			var it jobItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return jobs.ListPage{}, fmt.Errorf("dynamostore: list jobs: decode: %w", err)
			}
			j, err := fromJobItem(it)
			if err != nil {
				return jobs.ListPage{}, fmt.Errorf("dynamostore: list jobs: job %s: %w", it.ID, err)
			}
			if len(page.Jobs) == q.Limit {
				last := jobs.PositionOf(page.Jobs[q.Limit-1])
				page.Next = &last
				return page, nil
			}
			page.Jobs = append(page.Jobs, j)
		}
		if out.LastEvaluatedKey == nil {
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	next, err := evaluatedPosition(in.ExclusiveStartKey)
	if err != nil {
		return jobs.ListPage{}, fmt.Errorf("dynamostore: list jobs: %w", err)
	}
	page.Next = &next
	return page, nil
}

// listInput is the first Query of q's page.
func (s *Store) listInput(q jobs.ListQuery) (*dynamodb.QueryInput, error) {
	now, err := formatTime(q.Now)
	if err != nil {
		return nil, err
	}
	names := map[string]string{"#owner": AttrOwner, "#exact": attrExact}
	values := map[string]types.AttributeValue{
		":owner": &types.AttributeValueMemberS{Value: q.Owner},
		":now":   &types.AttributeValueMemberS{Value: now},
	}
	keyCond := "#owner = :owner"
	if q.After != nil {
		createdAt, err := formatTime(q.After.CreatedAt)
		if err != nil {
			return nil, err
		}
		names["#listKey"] = AttrListKey
		values[":after"] = &types.AttributeValueMemberS{Value: listKey(createdAt, q.After.ID)}
		keyCond += " AND #listKey < :after"
	}
	filters := []string{"(attribute_not_exists(#exact) OR #exact > :now)"}
	if q.Status != "" {
		names["#status"], values[":status"] = "status", &types.AttributeValueMemberS{Value: string(q.Status)}
		filters = append(filters, "#status = :status")
	}
	if q.Type != "" {
		names["#type"], values[":type"] = "type", &types.AttributeValueMemberS{Value: q.Type}
		filters = append(filters, "#type = :type")
	}
	return &dynamodb.QueryInput{
		TableName:                 s.table,
		IndexName:                 aws.String(IndexByOwner),
		KeyConditionExpression:    aws.String(keyCond),
		FilterExpression:          aws.String(strings.Join(filters, " AND ")),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
	}, nil
}

// evaluatedPosition is the position of the index's LastEvaluatedKey: every
// job up to it has been looked at.
func evaluatedPosition(key map[string]types.AttributeValue) (jobs.Position, error) {
	var k struct {
		ListKey string `dynamodbav:"listKey"`
	}
	if err := attributevalue.UnmarshalMap(key, &k); err != nil {
		return jobs.Position{}, fmt.Errorf("decode the last evaluated key: %w", err)
	}
	createdAt, id, ok := strings.Cut(k.ListKey, listKeySep)
	if !ok {
		return jobs.Position{}, fmt.Errorf("last evaluated key %q has no %q", k.ListKey, listKeySep)
	}
	t, err := parseTime(createdAt)
	if err != nil {
		return jobs.Position{}, err
	}
	return jobs.Position{CreatedAt: t, ID: id}, nil
}
