package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConsole serves the console as jobsctl console does and reads, through
// it, a job jobsctl submitted: its API calls are signed with jobsctl's
// credentials, and the event stream follows the job to its end.
func TestConsole(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	id := d.submit(t, `{"seconds":1}`)

	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append(d.args("console", "--addr", "127.0.0.1:0"), d.events...), w, io.Discard)
		w.Close()
	}()
	t.Cleanup(func() {
		cancel()
		go io.Copy(io.Discard, out)
		if err := <-done; err != nil {
			t.Errorf("jobsctl console: %v", err)
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^Console\s+(http://127\.0\.0\.1:\d+)/console/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("jobsctl console printed %q, want its URL", line)
	}
	base := m[1]

	resp, err := http.Get(base + "/console/api/jobs/" + id)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), id) {
		t.Fatalf("GET the job through the console: %d %s", resp.StatusCode, body)
	}

	resp, err = http.Get(base + "/console/events?jobs=" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	final := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.Contains(sc.Text(), `"status":"Success"`) {
				final <- sc.Text()
				return
			}
		}
		close(final)
	}()
	select {
	case line, ok := <-final:
		if !ok || !strings.Contains(line, id) {
			t.Fatalf("the event stream ended without the job's success (%q)", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the job's success did not arrive on the event stream")
	}
}

func TestConsoleServesOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"console", "--addr", "0.0.0.0:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("console --addr 0.0.0.0:0: %v, want a refusal", err)
	}
}
