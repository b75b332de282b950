package boltstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

func TestRecordRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 2, 3, 4, 5, 987654321, time.FixedZone("UTC+1", 3600))
	full := jobs.Job{
		ID: "full", Owner: "arn:aws:iam::000000000000:user/a", Type: "t", Status: jobs.StatusRunning,
		Parameters: json.RawMessage(`{"s":"<a&b>"}`), Results: json.RawMessage(`{"html":">"}`),
		Error:    &jobs.ErrorInfo{Type: "Timeout", Message: "slow", Condition: jobs.ConditionRetriesExhausted},
		Progress: &jobs.Progress{Step: "<load>", Current: 3, Total: 7}, Attempts: 2,
		CreatedAt: at, UpdatedAt: at.Add(1), StartedAt: at.Add(2), FinishedAt: at.Add(3), ExpiresAt: at.Add(4),
		Seq: 9, IdempotencyKey: "key", RequestHash: "sha256:x",
	}
	tests := []struct {
		name string
		job  jobs.Job
	}{
		{"every field, HTML in the raw JSON", full},
		{"U+2028 alone in the raw JSON", jobs.Job{ID: "ls", Type: "t", Status: jobs.StatusPending,
			Parameters: json.RawMessage(`{"u":"` + "\u2028" + `"}`), Seq: 1}},
		{"zero times, no parameters", jobs.Job{ID: "bare", Type: "t", Status: jobs.StatusPending, Seq: 1}},
		{"before 1970, null parameters, empty results", jobs.Job{ID: "old", Type: "t", Status: jobs.StatusSuccess,
			Parameters: json.RawMessage(`null`), Results: json.RawMessage(``), CreatedAt: time.Unix(-10, 5), Seq: -1}},
		{"plain JSON, taken from the public JSON", jobs.Job{ID: "plain", Type: "t", Status: jobs.StatusFailure,
			Parameters: json.RawMessage(`{"n":[1,2.5]}`), Results: json.RawMessage(`[]`), Error: full.Error, CreatedAt: at, Seq: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, jsonAt := encodeRecord(tt.job)
			got, err := decodeRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := encodeRecord(got)
			if !bytes.Equal(again, rec) || !got.CreatedAt.Equal(tt.job.CreatedAt) || !bytes.Equal(got.Parameters, tt.job.Parameters) ||
				!bytes.Equal(got.Results, tt.job.Results) || (got.Error == nil) != (tt.job.Error == nil) {
				t.Errorf("decoded %+v\nfrom %+v", got, tt.job)
			}
			if want := jobjson.Append(nil, tt.job); !bytes.Equal(rec[jsonAt:], want) {
				t.Errorf("public JSON in the record:\n got %s\nwant %s", rec[jsonAt:], want)
			}
			enc, err := encoded(tt.job.ID, rec)
			if err != nil || enc.Seq != tt.job.Seq || enc.Owner != tt.job.Owner || enc.Status != tt.job.Status ||
				!enc.ExpiresAt.Equal(tt.job.ExpiresAt) || !bytes.Equal(enc.JSON, rec[jsonAt:]) {
				t.Errorf("encoded: %+v, %v", enc, err)
			}
		})
	}
}

func TestRecordCutShortIsCorrupt(t *testing.T) {
	t.Parallel()
	rec, jsonAt := encodeRecord(jobs.Job{ID: "a", Owner: "owner", Type: "t", Status: jobs.StatusPending, CreatedAt: time.Now(), Seq: 1})
	for n := range jsonAt {
		if _, _, err := decodeHeader(rec[:n]); !errors.Is(err, errCorrupt) {
			t.Errorf("header cut to %d of %d bytes: %v, want errCorrupt", n, jsonAt, err)
		}
	}
	if _, err := decodeRecord(append([]byte{recordVersion + 1}, rec[1:]...)); !errors.Is(err, errCorrupt) {
		t.Errorf("record of an unknown version: %v, want errCorrupt", err)
	}
}
