package errorhandling_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive"
	"github.com/asyncjobs/asyncjobs/jobs"
)

func openArchive(t *testing.T) *localarchive.Archive {
	t.Helper()
	a, err := localarchive.Open(filepath.Join(t.TempDir(), "archive.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestArchiveDestinationWritesTheEventBridgeEnvelope(t *testing.T) {
	t.Parallel()
	a := openArchive(t)
	dest := &errorhandling.ArchiveDestination{
		Archive: a, Region: "us-east-1", Account: "000000000000", NewID: func() string { return "evt-1" },
		Resources: []string{"arn:aws:events:us-east-1:000000000000:event-bus/jobs-failures"},
	}
	rec := record("a", jobs.ConditionRetriesExhausted, &destination.ResponsePayload{ErrorType: "X", ErrorMessage: "m"})
	if err := dest.Deliver(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	err := a.Range(context.Background(), rec.Timestamp, rec.Timestamp.Add(time.Second), func(e awsevents.EventBridgeEvent) error {
		b, _ := json.Marshal(e)
		var m map[string]any
		json.Unmarshal(b, &m)
		got = append(got, m)
		return nil
	})
	if err != nil || len(got) != 1 {
		t.Fatalf("range: %d events, %v", len(got), err)
	}
	e := got[0]
	if e["source"] != "lambda" || e["detail-type"] != "Lambda Function Invocation Result - Failure" ||
		e["id"] != "evt-1" || e["account"] != "000000000000" || e["region"] != "us-east-1" || e["version"] != "0" {
		t.Fatalf("envelope %v", e)
	}
	detail := e["detail"].(map[string]any)
	if detail["requestContext"].(map[string]any)["condition"] != jobs.ConditionRetriesExhausted ||
		detail["responsePayload"].(map[string]any)["errorMessage"] != "m" {
		t.Fatalf("detail %v", detail)
	}
}

func TestReplaySendsTheRangeToTheErrorHandler(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := openArchive(t)
	start := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	ids := []string{"a", "b", "c"}
	for i, id := range ids {
		f.running(t, id)
		rec := record(id, jobs.ConditionRetriesExhausted, &destination.ResponsePayload{ErrorType: "X", ErrorMessage: "failed " + id})
		rec.Timestamp = start.Add(time.Duration(i) * time.Minute)
		e, err := errorhandling.Envelope(rec, "evt-"+id, "us-east-1", "000000000000", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Put(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	// [start+1m, start+2m) holds only b.
	report, err := errorhandling.Replay(context.Background(), a, start.Add(time.Minute), start.Add(2*time.Minute), f.handler.Handle, logger)
	if err != nil || report.Replayed != 1 || report.Failed != 0 {
		t.Fatalf("replay: %+v %v, want 1 replayed", report, err)
	}
	for id, want := range map[string]jobs.Status{"a": jobs.StatusRunning, "b": jobs.StatusFailure, "c": jobs.StatusRunning} {
		j, _ := f.store.Get(context.Background(), id)
		if j.Status != want {
			t.Errorf("job %s is %s, want %s", id, j.Status, want)
		}
	}
	refuse := func(context.Context, destination.Record) error { return errors.New("still down") }
	report, err = errorhandling.Replay(context.Background(), a, start, start.Add(time.Hour), refuse, logger)
	if err != nil || report.Failed != 3 || report.Replayed != 0 {
		t.Fatalf("replay into a failing handler: %+v %v, want 3 refused", report, err)
	}
}
