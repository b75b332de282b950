package jobjson

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// marshal is what Append must write: json.Marshal of the JSON form, or the
// panic Append raises where json.Marshal fails.
func marshal(t *testing.T, j jobs.Job) string {
	t.Helper()
	b, err := json.Marshal(From(j))
	if err != nil {
		return "panic"
	}
	return string(b)
}

// appended is Append's output, or "panic".
func appended(j jobs.Job) (out string) {
	defer func() {
		if recover() != nil {
			out = "panic"
		}
	}()
	return string(Append([]byte("prefix"), j))[len("prefix"):]
}

func TestAppendWritesWhatMarshalWrites(t *testing.T) {
	t.Parallel()
	base := jobs.Job{ID: "a-1", Type: "sleep", Status: jobs.StatusPending, Parameters: json.RawMessage(`{"seconds":1}`),
		CreatedAt: epoch, UpdatedAt: epoch, ExpiresAt: epoch.Add(time.Hour), Seq: 1}
	failure := &jobs.ErrorInfo{Type: "Error", Message: "m", Condition: jobs.ConditionPermanentError}
	tests := map[string]func(j *jobs.Job){
		"pending":                    func(*jobs.Job) {},
		"no parameters":              func(j *jobs.Job) { j.Parameters = nil },
		"empty parameters":           func(j *jobs.Job) { j.Parameters = json.RawMessage{} },
		"invalid parameters":         func(j *jobs.Job) { j.Parameters = json.RawMessage(`{"a":`) },
		"invalid results":            func(j *jobs.Job) { j.Results = json.RawMessage(`nope`) },
		"empty results are left out": func(j *jobs.Job) { j.Results = json.RawMessage{} },
		"spaced raw JSON":            func(j *jobs.Job) { j.Parameters = json.RawMessage(" {\n\t\"a\" : [ 1 , \"x y\" ] }\r\n") },
		"HTML in raw JSON":           func(j *jobs.Job) { j.Results = json.RawMessage(`{"h":"<b>&amp;</b>"}`) },
		"separators in raw JSON":     func(j *jobs.Job) { j.Results = json.RawMessage("[\"\u2028\u2029\u2027\"]") },
		"invalid UTF-8 in raw JSON":  func(j *jobs.Job) { j.Results = json.RawMessage("\"\xff\xe2\x80\"") },
		"raw scalar":                 func(j *jobs.Job) { j.Results = json.RawMessage(` 12.5e3 `) },
		"escaped strings":            func(j *jobs.Job) { j.ID = "q\"\\/\b\f\n\r\t\x00\x1f\x7f<>&é\u2028\u2029\U0001F600" },
		"invalid UTF-8 in a string":  func(j *jobs.Job) { j.Type = "a\xffb\xe2\x80c\xed\xa0\x80" },
		"failure":                    func(j *jobs.Job) { j.Status, j.Error = jobs.StatusFailure, failure },
		"failure without error":      func(j *jobs.Job) { j.Status = jobs.StatusFailure },
		"error only on failure":      func(j *jobs.Job) { j.Status, j.Error = jobs.StatusSuccess, failure },
		"progress":                   func(j *jobs.Job) { j.Progress = &jobs.Progress{Step: "<s>", Current: -1, Total: 1 << 40} },
		"finished, another zone": func(j *jobs.Job) {
			j.StartedAt, j.FinishedAt = epoch.In(time.FixedZone("X", -7*3600)), epoch.Add(time.Nanosecond)
		},
		"zero times":                  func(j *jobs.Job) { j.CreatedAt, j.UpdatedAt, j.ExpiresAt = time.Time{}, time.Time{}, time.Time{} },
		"year beyond 9999":            func(j *jobs.Job) { j.ExpiresAt = time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC) },
		"secrets are not in the JSON": func(j *jobs.Job) { j.Owner, j.IdempotencyKey, j.RequestHash = "o", "k", "h" },
		"large numbers":               func(j *jobs.Job) { j.Seq, j.Attempts = -1<<63, 1<<31 },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			j := base
			change(&j)
			if got, want := appended(j), marshal(t, j); got != want {
				t.Errorf("Append wrote\n%s\njson.Marshal wrote\n%s", got, want)
			}
		})
	}
}

func FuzzAppendWritesWhatMarshalWrites(f *testing.F) {
	f.Add("a-1", "sleep", "Failure", `{"seconds":1}`, `{"x":"<&>"}`, "m\u2028", "step", int64(1), int64(1735787045678000000), true)
	f.Add("\xff", "", "Running", " [ 1 ] ", "", "\x00", "", int64(-5), int64(0), false)
	f.Fuzz(func(t *testing.T, id, typ, status, params, results, message, step string, n, unixNano int64, failed bool) {
		at := time.Unix(0, unixNano)
		j := jobs.Job{ID: id, Type: typ, Status: jobs.Status(status), Parameters: json.RawMessage(params),
			Results: json.RawMessage(results), Attempts: int(n), Seq: n,
			CreatedAt: at, UpdatedAt: at.Add(time.Second), StartedAt: at, ExpiresAt: at.Add(time.Hour)}
		if failed {
			j.Error = &jobs.ErrorInfo{Type: typ, Message: message, Condition: step}
			j.FinishedAt = at
		}
		if step != "" {
			j.Progress = &jobs.Progress{Step: step, Current: int(n), Total: int(n >> 3)}
		}
		if got, want := appended(j), marshal(t, j); got != want {
			t.Errorf("Append wrote\n%s\njson.Marshal wrote\n%s", got, want)
		}
	})
}

// BenchmarkEncode compares Append with what it replaces, json.Marshal(From(j)).
func BenchmarkEncode(b *testing.B) {
	j := jobs.Job{ID: "0193b6a8-7e0c-7c4e-9d3b-6a1f2e3d4c5b", Type: "order", Status: jobs.StatusRunning,
		Parameters: json.RawMessage(`{"orderId":"o-123","items":3}`), Progress: &jobs.Progress{Step: "PAID", Current: 1, Total: 4},
		Attempts: 1, CreatedAt: epoch, UpdatedAt: epoch, StartedAt: epoch, ExpiresAt: epoch.Add(time.Hour), Seq: 3}
	b.Run("impl=append", func(b *testing.B) {
		buf := make([]byte, 0, 512)
		for b.Loop() {
			buf = Append(buf[:0], j)
		}
	})
	b.Run("impl=append-after-header", func(b *testing.B) { // as the local store writes a record
		for b.Loop() {
			Append(make([]byte, 40, 64), j)
		}
	})
	b.Run("impl=marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(From(j)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestAppendTimestampIsFormat(t *testing.T) {
	t.Parallel()
	for _, at := range []time.Time{
		{}, epoch, time.Date(1, 1, 1, 0, 0, 0, 999_999, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 6, 15, 12, 30, 0, 5e8, time.UTC),
		time.Date(2024, 2, 29, 9, 8, 7, 6e6, time.FixedZone("", 5*3600+1800)),
	} {
		if got, want := string(appendTimestamp(nil, at.UTC())), at.UTC().Format(timeLayout); got != want {
			t.Errorf("%v: got %s, want %s", at, got, want)
		}
	}
}

// TestAppendAllocatesOnce: a job appended to nil costs one allocation, the
// room its JSON needs, whatever members it has.
func TestAppendAllocatesOnce(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	for _, j := range []jobs.Job{
		{ID: "0193b6a8-7e0c-7c4e-9d3b-6a1f2e3d4c5b", Type: "noop", Status: jobs.StatusPending, Parameters: json.RawMessage(`{}`),
			CreatedAt: epoch, UpdatedAt: epoch, ExpiresAt: epoch.Add(time.Hour), Seq: 1},
		{ID: "0193b6a8-7e0c-7c4e-9d3b-6a1f2e3d4c5b", Type: "order", Status: jobs.StatusFailure,
			Parameters: json.RawMessage(`{"orderId":"o-123","items":3}`), Results: json.RawMessage(`{"total":12.5}`),
			Error:    &jobs.ErrorInfo{Type: "Timeout", Message: "job order exceeded its timeout of 30s", Condition: jobs.ConditionRetriesExhausted},
			Progress: &jobs.Progress{Step: "PAID", Current: 1<<31 - 1, Total: 1<<31 - 1}, Attempts: 1<<31 - 1,
			CreatedAt: epoch.Add(time.Nanosecond), UpdatedAt: epoch, StartedAt: epoch, FinishedAt: epoch, ExpiresAt: epoch, Seq: 1<<63 - 1},
	} {
		if allocs := testing.AllocsPerRun(10, func() { Append(nil, j) }); allocs != 1 {
			t.Errorf("Append(nil, %s job) allocates %.0f times, want 1", j.Status, allocs)
		}
	}
}
