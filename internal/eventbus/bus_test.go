package eventbus

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive"
	"github.com/asyncjobs/asyncjobs/internal/awsstack"
)

type target chan json.RawMessage

func (t target) Invoke(_ context.Context, payload json.RawMessage) error {
	t <- payload
	return nil
}

func TestFailureIsArchivedThenReplayedToTheRule(t *testing.T) {
	t.Parallel()
	archive, err := localarchive.Open(filepath.Join(t.TempDir(), "archive.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer archive.Close()
	failurePattern := json.RawMessage(`{"source":["lambda"],"detail-type":["Lambda Function Invocation Result - Failure"]}`)
	errorHandler := make(target, 4)
	b, err := New(Config{
		Bus: &awsstack.Bus{Name: "failures", Arn: "arn:aws:events:us-east-1:000000000000:event-bus/failures",
			Archives: []awsstack.Archive{{Pattern: failurePattern}},
			Rules: []awsstack.Rule{{LogicalID: "Redrive", Enabled: true,
				Pattern: json.RawMessage(`{"source":["lambda"],"replay-name":[{"exists":true}]}`),
				Targets: []awsstack.RuleTarget{{Function: "ErrorHandler", InputPath: "$.detail"}}}}},
		Archive: archive, Targets: map[string]Target{"ErrorHandler": errorHandler},
		Region: "us-east-1", Account: "000000000000", NewID: uuid.NewString, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	rec := destination.Record{Version: "1.0", Timestamp: at,
		RequestContext: destination.RequestContext{FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:EH:$LATEST", Condition: "RetriesExhausted"},
		RequestPayload: json.RawMessage(`{"jobId":"j1"}`)}
	if err := b.Deliver(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-errorHandler:
		t.Fatalf("a fresh failure reached the re-drive rule: %s", p)
	default:
	}
	n, err := b.Replay(t.Context(), "redrive-1", at.Add(-time.Minute), at.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("Replay: %d, %v; want 1 event", n, err)
	}
	var got destination.Record
	if err := json.Unmarshal(<-errorHandler, &got); err != nil {
		t.Fatal(err)
	}
	if string(got.RequestPayload) != `{"jobId":"j1"}` || got.RequestContext.Condition != "RetriesExhausted" {
		t.Errorf("the error handler got %+v, want the archived record ($.detail)", got)
	}
	// A replayed event is not archived again.
	if n, _ := b.Replay(t.Context(), "redrive-2", at.Add(-time.Minute), at.Add(time.Minute)); n != 1 {
		t.Errorf("second replay found %d events, want the one archived", n)
	}
}
