package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKilledJobsdLosesNoAcceptedJob kills jobsd with SIGKILL while jobs are
// Pending and Running, starts it again on the same data directory and checks
// that every job that got a 202 finishes, and that finished ones never change.
func TestKilledJobsdLosesNoAcceptedJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs jobsd")
	}
	bin := filepath.Join(t.TempDir(), "jobsd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build jobsd: %v\n%s", err, out)
	}
	dataDir := t.TempDir()
	args := []string{"--addr", "127.0.0.1:0", "--events-addr", "127.0.0.1:0", "--data-dir", dataDir, "--workers", "2", "--log-level", "warn", "--auth", "none"}

	// Slow steps keep the first orders Running long enough to be seen so.
	cmd, base := startJobsd(t, bin, append(args, "--order-step", "1s"))
	finished := post(t, base, `{"type":"noop"}`)
	before := waitTerminal(t, base, finished)
	var ids []string
	for i := range 8 {
		ids = append(ids, post(t, base, fmt.Sprintf(`{"type":"order","parameters":{"orderId":"o-%d"}}`, i)))
	}
	// Kill it while the first orders are running and the rest are queued.
	waitStatus(t, base, ids[0], "Running")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	_, base = startJobsd(t, bin, append(args, "--order-step", "10ms"))
	for _, id := range ids {
		if j := waitTerminal(t, base, id); j.Status != "Success" {
			t.Errorf("job %s after the crash: %s", id, j.Status)
		}
	}
	if after := get(t, base, finished); after.Seq != before.Seq || after.Status != before.Status {
		t.Errorf("a finished job changed across the crash: seq %d→%d, %s→%s", before.Seq, after.Seq, before.Status, after.Status)
	}
}

var apiLine = regexp.MustCompile(`API\s+(http://\S+)/jobs`)

// startJobsd runs jobsd and returns it with its API's base URL.
func startJobsd(t *testing.T, bin string, args []string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
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

type job struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Seq    int64  `json:"seq"`
}

func post(t *testing.T, base, body string) string {
	t.Helper()
	resp, err := http.Post(base+"/jobs", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j job
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: %d %v", body, resp.StatusCode, err)
	}
	return j.ID
}

func get(t *testing.T, base, id string, query ...string) job {
	t.Helper()
	resp, err := http.Get(base + "/jobs/" + id + strings.Join(query, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var j job
	if err := json.Unmarshal(raw, &j); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", id, resp.StatusCode, raw)
	}
	return j
}

func waitTerminal(t *testing.T, base, id string) job {
	t.Helper()
	for range 12 {
		j := get(t, base, id, "?wait=5")
		switch j.Status {
		case "Success", "Failure", "Cancelled":
			return j
		}
	}
	t.Fatalf("job %s did not finish within a minute", id)
	return job{}
}

func waitStatus(t *testing.T, base, id, status string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for get(t, base, id).Status != status {
		if time.Now().After(deadline) {
			t.Fatalf("job %s never became %s", id, status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
