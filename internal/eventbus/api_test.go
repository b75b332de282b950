package eventbus

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/uuid"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive"
	"github.com/asyncjobs/asyncjobs/internal/awsstack"
)

const (
	busArn     = "arn:aws:events:us-east-1:000000000000:event-bus/failures"
	archiveArn = "arn:aws:events:us-east-1:000000000000:archive/failures-archive"
)

var apiCred = sigv4.Credential{AccessKeyID: "AKIAEVENTS", SecretAccessKey: "events-secret", Principal: "arn:aws:iam::000000000000:user/ops"}

func apiSetup(t *testing.T) (*eventbridge.Client, target) {
	t.Helper()
	archive, err := localarchive.Open(filepath.Join(t.TempDir(), "archive.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { archive.Close() })
	errorHandler := make(target, 4)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := New(Config{
		Bus: &awsstack.Bus{Name: "failures", Arn: busArn,
			Archives: []awsstack.Archive{{Arn: archiveArn, Pattern: json.RawMessage(`{"source":["lambda"]}`)}},
			Rules: []awsstack.Rule{{LogicalID: "Redrive", Enabled: true, Pattern: json.RawMessage(`{"replay-name":[{"exists":true}]}`),
				Targets: []awsstack.RuleTarget{{Function: "ErrorHandler", InputPath: "$.detail"}}}}},
		Archive: archive, Targets: map[string]Target{"ErrorHandler": errorHandler},
		Region: "us-east-1", Account: "000000000000", NewID: uuid.NewString, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := sigv4.NewVerifier(sigv4.Config{Region: "us-east-1", Service: "events", Credentials: []sigv4.Credential{apiCred}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewAPI([]*Bus{b}, verifier, logger))
	t.Cleanup(srv.Close)
	client := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(apiCred.AccessKeyID, apiCred.SecretAccessKey, "")})
	return client, errorHandler
}

func TestPutEventsThenStartReplayThroughTheSDK(t *testing.T) {
	t.Parallel()
	client, errorHandler := apiSetup(t)
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	out, err := client.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String(busArn), Source: aws.String("lambda"), DetailType: aws.String("Lambda Function Invocation Result - Failure"),
			Detail: aws.String(`{"requestPayload":{"jobId":"j1"}}`), Time: aws.Time(at)},
		{EventBusName: aws.String("nope"), Source: aws.String("lambda"), DetailType: aws.String("x"), Detail: aws.String(`{}`)},
	}})
	if err != nil || out.FailedEntryCount != 1 || aws.ToString(out.Entries[0].EventId) == "" || aws.ToString(out.Entries[1].ErrorCode) == "" {
		t.Fatalf("PutEvents: %+v, %v; want the first put, the second refused", out, err)
	}
	select {
	case p := <-errorHandler:
		t.Fatalf("a fresh event reached the re-drive rule: %s", p)
	default:
	}
	replay, err := client.StartReplay(t.Context(), &eventbridge.StartReplayInput{ReplayName: aws.String("redrive-1"), EventSourceArn: aws.String(archiveArn),
		EventStartTime: aws.Time(at.Add(-time.Hour)), EventEndTime: aws.Time(at.Add(time.Hour)), Destination: &ebtypes.ReplayDestination{Arn: aws.String(busArn)}})
	if err != nil || replay.State != ebtypes.ReplayStateStarting {
		t.Fatalf("StartReplay: %+v, %v", replay, err)
	}
	if got := <-errorHandler; string(got) != `{"requestPayload":{"jobId":"j1"}}` {
		t.Errorf("the error handler got %s, want the event's detail", got)
	}
	desc, err := client.DescribeReplay(t.Context(), &eventbridge.DescribeReplayInput{ReplayName: aws.String("redrive-1")})
	if err != nil || desc.State != ebtypes.ReplayStateCompleted || aws.ToString(desc.StateReason) != "1 events replayed" {
		t.Errorf("DescribeReplay: %+v, %v", desc, err)
	}
	_, err = client.StartReplay(t.Context(), &eventbridge.StartReplayInput{ReplayName: aws.String("redrive-1"), EventSourceArn: aws.String(archiveArn),
		EventStartTime: aws.Time(at), EventEndTime: aws.Time(at), Destination: &ebtypes.ReplayDestination{Arn: aws.String(busArn)}})
	var exists *ebtypes.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Errorf("the same replay name again: %v, want ResourceAlreadyExistsException", err)
	}
}

func TestAPIRefusesBadSignatures(t *testing.T) {
	t.Parallel()
	client, _ := apiSetup(t)
	wrong := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: client.Options().BaseEndpoint,
		Credentials: credentials.NewStaticCredentialsProvider(apiCred.AccessKeyID, "wrong", "")})
	_, err := wrong.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String(busArn), Source: aws.String("lambda"), DetailType: aws.String("x"), Detail: aws.String(`{}`)}}})
	var apiErr interface{ ErrorCode() string }
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("PutEvents with a wrong secret: %v, want InvalidSignatureException", err)
	}
}
