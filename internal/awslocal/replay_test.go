package awslocal

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/asyncjobs/asyncjobs/internal/dynalite"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/dynamostore"
)

// archived waits until the failure archive holds n events in [from, to).
func archived(t *testing.T, s *Stack, n int, from, to time.Time) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		count := 0
		if err := s.services.archive.Range(t.Context(), from, to, func(events.EventBridgeEvent) error { count++; return nil }); err != nil {
			t.Fatal(err)
		}
		if count == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events archived after 60 s, want %d", count, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestErrorHandlerFailureIsArchivedAndReplayed: a job whose item the
// functions cannot read fails the processor and the error handler; the
// error handler's record reaches the archive through its EventBridge
// destination. Once the item is repaired, a replay re-drives the record
// through the bus's rule to the error handler, which records the Failure.
// The stack has one bus, with one archive.
func TestErrorHandlerFailureIsArchivedAndReplayed(t *testing.T) {
	s, _ := setup(t)
	from := time.Now().Add(-time.Minute)
	client := dynalite.Client(s.DynamoDBEndpoint(), s.cfg.Region)
	table := aws.String(s.Template.Table.Name)
	const id = "0190b7a5-0000-7000-8000-00000000c0de"
	if _, err := client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: table, Item: map[string]types.AttributeValue{
		"id": &types.AttributeValueMemberS{Value: id}, "type": &types.AttributeValueMemberS{Value: "sleep"},
		"status": &types.AttributeValueMemberS{Value: "Pending"}, "seq": &types.AttributeValueMemberS{Value: "not a number"},
	}}); err != nil {
		t.Fatal(err)
	}
	api, _ := s.Template.Function(firstWithEnv(t, s, "JOBS_PROCESSOR_FUNCTION_NAME"))
	processor, _ := s.Template.Function(api.Env["JOBS_PROCESSOR_FUNCTION_NAME"])
	fn, _ := s.services.lambdaSvc.Async(processor.LogicalID)
	if err := fn.Invoke(t.Context(), json.RawMessage(`{"jobId":"`+id+`"}`)); err != nil {
		t.Fatal(err)
	}
	archived(t, s, 1, from, time.Now().Add(time.Hour))

	// Repair the item: a readable Pending job of the caller.
	if _, err := client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: table, Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	store := dynamostore.New(client, *table, jobs.SystemClock{})
	if _, err := store.Create(t.Context(), jobs.Job{ID: id, Owner: caller.Principal, Type: "sleep", Status: jobs.StatusPending,
		Parameters: json.RawMessage(`{"seconds":1}`), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), Seq: 1}); err != nil {
		t.Fatal(err)
	}
	// Replay as an operator would: aws events start-replay --endpoint-url, with their own keys.
	bus := s.Template.Buses[0]
	events := eventbridge.New(eventbridge.Options{Region: s.cfg.Region, BaseEndpoint: aws.String(s.EventBridgeURL()),
		Credentials: credentials.NewStaticCredentialsProvider(caller.AccessKeyID, caller.SecretAccessKey, "")})
	if _, err := events.StartReplay(t.Context(), &eventbridge.StartReplayInput{ReplayName: aws.String("redrive-1"),
		EventSourceArn: aws.String(bus.Archives[0].Arn), Destination: &ebtypes.ReplayDestination{Arn: aws.String(bus.Arn)},
		EventStartTime: aws.Time(from), EventEndTime: aws.Time(time.Now().Add(time.Hour))}); err != nil {
		t.Fatal(err)
	}
	job := await(t, s.APIURL()+"jobs/"+id)
	jobErr, _ := job["error"].(map[string]any)
	if job["status"] != "Failure" || jobErr["type"] != "InternalError" || jobErr["condition"] != "RetriesExhausted" {
		t.Errorf("after the replay: %v, want the processor's InternalError recorded as RetriesExhausted", job)
	}
}

// firstWithEnv is the logical id of the function configured with variable.
func firstWithEnv(t *testing.T, s *Stack, variable string) string {
	t.Helper()
	for _, f := range s.Template.Functions {
		if f.Env[variable] != "" {
			return f.LogicalID
		}
	}
	t.Fatalf("no function has %s", variable)
	return ""
}
