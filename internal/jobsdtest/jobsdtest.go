// Package jobsdtest builds and runs the real jobsd binary for tests that
// need it as a separate process (to kill it, or to read its memory), and
// collects output that a server writes while the test reads it.
package jobsdtest

import (
	"bufio"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// Build builds cmd/jobsd into a temporary directory and returns its path.
func Build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "jobsd")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/asyncjobs/asyncjobs/cmd/jobsd").CombinedOutput(); err != nil {
		t.Fatalf("build jobsd: %v\n%s", err, out)
	}
	return bin
}

// apiLine is the line of jobsd's banner that says where the API is.
var apiLine = regexp.MustCompile(`API\s+(http://\S+)/jobs`)

// Start runs bin with args, its stderr going to stderr, and returns it with
// its API's base URL once jobsd has printed it. The test kills it at the end.
func Start(t *testing.T, bin string, stderr io.Writer, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := apiLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case base, ok := <-found:
		if !ok {
			t.Fatal("jobsd exited before printing its address")
		}
		return cmd, base
	case <-time.After(30 * time.Second):
		t.Fatal("jobsd did not print its address")
		return nil, ""
	}
}
