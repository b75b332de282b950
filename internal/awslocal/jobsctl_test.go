package awslocal

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// jobsctl builds cmd/jobsctl and returns a runner of it against s, as a
// user would point it at the stack: the stage in --endpoint, the events
// endpoint and the data directory (its CA and events API key), the
// caller's keys in jobsd's credential variables.
func jobsctl(t *testing.T, s *Stack) func(args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "jobsctl")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/jobsctl")
	build.Dir = moduleDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build jobsctl: %v\n%s", err, out)
	}
	return func(args ...string) (string, string, error) {
		args = append([]string{args[0], "--endpoint", strings.TrimSuffix(s.APIURL(), "/"),
			"--events-endpoint", s.Template.Events.HTTPEndpoint, "--data-dir", s.cfg.DataDir, "--output", "json"}, args[1:]...)
		cmd := exec.CommandContext(t.Context(), bin, args...)
		cmd.Env = append(os.Environ(), "JOBS_ACCESS_KEY_ID="+caller.AccessKeyID, "JOBS_SECRET_ACCESS_KEY="+caller.SecretAccessKey)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
}

// lastStatus is the status of the last JSON line jobsctl printed.
func lastStatus(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var job struct{ Status string }
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &job); err != nil {
		t.Fatalf("jobsctl's last line is not a job: %v\n%s", err, out)
	}
	return job.Status
}

// TestJobsctlFollowsJobsThroughTheStack: jobsctl, unchanged, submits and
// follows a job by its pushed events (not by long polls), and watches one,
// against the stack as against jobsd.
func TestJobsctlFollowsJobsThroughTheStack(t *testing.T) {
	s, _ := setup(t)
	run := jobsctl(t, s)

	out, notes, err := run("submit", "--wait", `{"seconds":1}`)
	if err != nil || lastStatus(t, out) != "Success" {
		t.Fatalf("submit --wait: %v\n%s\n%s", err, out, notes)
	}
	if strings.Contains(notes, "long-polling") {
		t.Errorf("submit --wait did not follow the job's events:\n%s", notes)
	}

	url := submit(t, s, `{"seconds":1}`)
	out, notes, err = run("watch", url[strings.LastIndex(url, "/")+1:])
	if err != nil || lastStatus(t, out) != "Success" {
		t.Fatalf("watch: %v\n%s\n%s", err, out, notes)
	}
	if strings.Contains(notes, "long-polling") {
		t.Errorf("watch did not follow the job's events:\n%s", notes)
	}
}
