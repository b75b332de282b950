package localinvoker

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// FuzzJobEvent checks that a job's event is what json.Marshal writes, and
// that JobHandler reads any payload as HandlerOf does.
func FuzzJobEvent(f *testing.F) {
	for _, id := range []string{"0194b2f0-7c1e-7a3b-9c1d-2e3f4a5b6c7d", "", `a"b`, `a\b`, "<&>", "é", "\x00", "\x7f"} {
		f.Add(id, []byte(nil))
	}
	for _, payload := range []string{`{"jobId":"x"}`, `{"jobId": "x"}`, `{"jobid":"x"}`, `{"jobId":"x\"}`, `{"jobId":"x"} `,
		`{"jobId":"\u0078"}`, `{"jobId":"x","jobId":"y"}`, `{"jobId":"x"}}`, `{"jobId":""}`, `null`, ``} {
		f.Add("", []byte(payload))
	}
	f.Fuzz(func(t *testing.T, id string, payload []byte) {
		event, err := jobEvent(id)
		want, werr := json.Marshal(jobs.Invocation{JobID: id})
		if err != nil || werr != nil || !bytes.Equal(event, want) {
			t.Fatalf("jobEvent(%q) = %s, %v; json.Marshal writes %s, %v", id, event, err, want, werr)
		}
		if payload == nil {
			payload = event
		}
		var fast, full jobs.Invocation
		fastErr := JobHandler(func(_ context.Context, inv jobs.Invocation) error { fast = inv; return nil })(context.Background(), payload)
		fullErr := HandlerOf(func(_ context.Context, inv jobs.Invocation) error { full = inv; return nil })(context.Background(), payload)
		if fast != full || (fastErr == nil) != (fullErr == nil) {
			t.Fatalf("payload %q: JobHandler read %+v, %v; HandlerOf %+v, %v", payload, fast, fastErr, full, fullErr)
		}
	})
}

// BenchmarkJobEvent times a job event's way from JobInvoker to the
// processor's handler: written and read by hand, or by encoding/json.
func BenchmarkJobEvent(b *testing.B) {
	const id = "0194b2f0-7c1e-7a3b-9c1d-2e3f4a5b6c7d"
	handle := func(_ context.Context, inv jobs.Invocation) error {
		if inv.JobID != id {
			b.Fatalf("read %q, want %q", inv.JobID, id)
		}
		return nil
	}
	b.Run("by=hand", func(b *testing.B) {
		h := JobHandler(handle)
		for b.Loop() {
			payload, _ := jobEvent(id)
			_ = h(context.Background(), payload)
		}
	})
	b.Run("by=encoding-json", func(b *testing.B) {
		h := HandlerOf(handle)
		for b.Loop() {
			payload, _ := json.Marshal(jobs.Invocation{JobID: id})
			_ = h(context.Background(), payload)
		}
	})
}
