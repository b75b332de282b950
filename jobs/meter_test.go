package jobs_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// recordingMeter writes down each call it hears.
type recordingMeter struct {
	mu    sync.Mutex
	calls []string
}

func (m *recordingMeter) record(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, fmt.Sprintf(format, args...))
}

func (m *recordingMeter) Submitted(typ string) { m.record("submitted %s", typ) }
func (m *recordingMeter) Started(typ string, attempt int, wait time.Duration) {
	m.record("started %s attempt %d after %s", typ, attempt, wait)
}
func (m *recordingMeter) Finished(typ string, s jobs.Status, run, total time.Duration) {
	m.record("finished %s %s ran %s in %s", typ, s, run, total)
}

// metered makes f's service and processor tell a recordingMeter.
func (f *fixture) metered() *recordingMeter {
	m := &recordingMeter{}
	f.config.Meter = m
	f.service = jobs.NewService(f.config)
	f.processor.Meter = m
	return m
}

func TestMeterHearsEachMomentOnce(t *testing.T) {
	t.Parallel()
	f := setup(t, echoType())
	m := f.metered()
	ctx := context.Background()

	ok := f.submit(t, "echo", `{"text":"hi"}`)
	f.clock.Advance(2 * time.Second) // queued
	handle := func(id string) error {
		t.Helper()
		return f.processor.Handle(ctx, jobs.Invocation{JobID: id})
	}
	if err := handle(ok.ID); err != nil {
		t.Fatal(err)
	}
	flaky := f.submit(t, "echo", `{"text":"hi","fail":"plain"}`)
	if err := handle(flaky.ID); err == nil {
		t.Fatal("a plain failure was not returned for a retry")
	}
	f.clock.Advance(time.Second)
	_ = handle(flaky.ID) // the retry: fails again, still Running for the error handler
	pending := f.submit(t, "echo", `{"text":"never"}`)
	if _, err := f.service.Cancel(ctx, "", pending.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.service.Cancel(ctx, "", pending.ID); err == nil {
		t.Fatal("a second cancellation was accepted")
	}
	if _, replayed, err := f.service.Submit(ctx, jobs.SubmitRequest{Type: "echo", Parameters: []byte(`{"text":"x"}`), IdempotencyKey: "k"}); err != nil || replayed {
		t.Fatal(replayed, err)
	}
	if _, replayed, err := f.service.Submit(ctx, jobs.SubmitRequest{Type: "echo", Parameters: []byte(`{"text":"x"}`), IdempotencyKey: "k"}); err != nil || !replayed {
		t.Fatal(replayed, err)
	}

	want := []string{
		"submitted echo",
		"started echo attempt 1 after 2s",
		"finished echo Success ran 0s in 2s", // the manual clock stands still while it runs
		"submitted echo",
		"started echo attempt 1 after 0s",
		"started echo attempt 2 after 0s", // a retry: no queue wait
		"submitted echo",
		"finished echo Cancelled ran 0s in 0s",
		"submitted echo", // the replayed submission is not counted again
	}
	if !slices.Equal(m.calls, want) {
		t.Errorf("the meter heard\n%q\nwant\n%q", m.calls, want)
	}
}
