package jobs_test

import (
	"encoding/json"
	"testing"

	"github.com/asyncjobs/asyncjobs/jobs"
)

func TestCloneSharesNoMemory(t *testing.T) {
	t.Parallel()
	j := jobs.Job{
		ID: "job-1", Parameters: json.RawMessage(`{"seconds":1}`), Results: json.RawMessage(`{"message":"m"}`),
		Error: &jobs.ErrorInfo{Type: "T"}, Progress: &jobs.Progress{Current: 1},
	}
	c := j.Clone()
	c.Parameters[2], c.Results[2] = 'X', 'X'
	c.Error.Type, c.Progress.Current = "changed", 2
	if string(j.Parameters) != `{"seconds":1}` || string(j.Results) != `{"message":"m"}` ||
		j.Error.Type != "T" || j.Progress.Current != 1 {
		t.Errorf("changing the clone changed the job: %+v", j)
	}
	if empty := (jobs.Job{}).Clone(); empty.Error != nil || empty.Progress != nil || empty.Parameters != nil {
		t.Errorf("clone of an empty job %+v", empty)
	}
}
