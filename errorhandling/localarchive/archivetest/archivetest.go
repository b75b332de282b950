// Package archivetest leaves failures in a jobsd data directory for tests of
// the local archive: Running jobs whose failure events are archived, as the
// error handler leaves them when it cannot record them.
package archivetest

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
)

// Failure is one job and its archived failure event. With no Owner the job
// is gone: only its event is left. The event's error message is
// "boom in " + Job.
type Failure struct{ Job, Owner, Event string }

// Seed writes the failures into the store and archive of dataDir, which no
// jobsd may hold, a second apart, a minute ago. The jobs are Running sleep
// jobs of one second.
func Seed(t testing.TB, dataDir string, failures ...Failure) {
	t.Helper()
	at := time.Now().UTC().Add(-time.Minute)
	store, err := boltstore.Open(filepath.Join(dataDir, "jobs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	archive, err := localarchive.Open(filepath.Join(dataDir, "archive.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer archive.Close()
	for i, f := range failures {
		if f.Owner != "" {
			if _, err := store.Create(context.Background(), jobs.Job{ID: f.Job, Owner: f.Owner, Type: "sleep", Status: jobs.StatusRunning,
				Parameters: json.RawMessage(`{"seconds":1}`), CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(time.Hour), Seq: 1}); err != nil {
				t.Fatal(err)
			}
		}
		rec := destination.Record{Version: "1.0", Timestamp: at.Add(time.Duration(i) * time.Second),
			RequestContext: destination.RequestContext{RequestID: "r-" + f.Job, Condition: jobs.ConditionRetriesExhausted, ApproximateInvokeCount: 1,
				FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:jobs-processor:$LATEST"},
			RequestPayload:  json.RawMessage(`{"jobId":"` + f.Job + `"}`),
			ResponsePayload: &destination.ResponsePayload{ErrorType: "Boom", ErrorMessage: "boom in " + f.Job}}
		e, err := errorhandling.Envelope(rec, f.Event, "us-east-1", "000000000000", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := archive.Put(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}
