package local

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// TestLogNotifier is not parallel: AllocsPerRun refuses parallel tests.
func TestLogNotifier(t *testing.T) {
	j := jobs.Job{ID: "job-1", Type: "sleep", Status: jobs.StatusRunning, Seq: 2}
	var out bytes.Buffer
	logNotifier{slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))}.Notify(j)
	if line := out.String(); !strings.Contains(line, `msg="job changed" job=job-1 type=sleep status=Running seq=2`) {
		t.Fatalf("debug log: %q, want the job's change", line)
	}
	quiet := logNotifier{slog.New(slog.NewTextHandler(&out, nil))}
	if allocs := testing.AllocsPerRun(100, func() { quiet.Notify(j) }); allocs != 0 {
		t.Fatalf("Notify at info level allocates %.0f times per change, want 0", allocs)
	}
}
