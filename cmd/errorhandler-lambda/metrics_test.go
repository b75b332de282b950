package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/asyncjobs/asyncjobs/metrics/emf/emftest"
)

// TestRecordsWriteEMFLines: the error handler counts each record it
// receives, those it could not handle, and the failures it records.
func TestRecordsWriteEMFLines(t *testing.T) {
	t.Parallel()
	noJob := func(t *testing.T) []byte {
		var rec map[string]any
		if err := json.Unmarshal(fixture(t, "destination-record.json"), &rec); err != nil {
			t.Fatal(err)
		}
		rec["requestPayload"] = map[string]any{}
		data, _ := json.Marshal(rec)
		return data
	}
	tests := map[string]struct {
		payload func(t *testing.T) []byte
		want    []string
	}{
		"recorded": {
			payload: func(t *testing.T) []byte { return fixture(t, "destination-record.json") },
			want: []string{
				"JobsFinished=1 RunTime=360000 SubmitToFinish=360000 {Status=Failure,Type=sleep} / [[Type Status] [Status]]",
				"FailureRecords=1 FailureRecordsUnhandled=0 {} / [[]]",
			},
		},
		"unhandled, on to the archive": {
			payload: noJob,
			want:    []string{"FailureRecords=1 FailureRecordsUnhandled=1 {} / [[]]"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, _, _, metrics := setupMetered(t)
			_, _ = lambda.NewHandler(h.handle).Invoke(t.Context(), tt.payload(t))
			got, err := emftest.Strings([]byte(metrics.String()))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("metrics\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
