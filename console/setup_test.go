package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/sigv4test"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/local"
)

// principalA is the principal the console acts as (jobsd's first
// credential); principalB is another user of the same jobsd.
var (
	principalA = sigv4.Credential{
		AccessKeyID: "AKIACONSOLEPRINCIPA0", SecretAccessKey: "consoleprincipalasecret00000000000000000",
		Principal: "arn:aws:iam::000000000000:user/console-a",
	}
	principalB = sigv4.Credential{
		AccessKeyID: "AKIACONSOLEPRINCIPB0", SecretAccessKey: "consoleprincipalbsecret00000000000000000",
		Principal: "arn:aws:iam::000000000000:user/console-b",
	}
)

// setup starts jobsd on free loopback ports with SigV4 on and principals A
// and B; its console signs as A. It returns the base URL (the API's and
// the console's address). A "second" of a sleep job lasts second.
func setup(t *testing.T, second time.Duration) string {
	t.Helper()
	return start(t, config(t, second))
}

// setupOneWorker is setup with one worker, sleep jobs of a minute a second
// and order steps of 100 ms, for the browser test.
func setupOneWorker(t *testing.T) string {
	t.Helper()
	cfg := config(t, time.Minute)
	cfg.Workers = 1
	cfg.JobTypes.OrderStep = 100 * time.Millisecond
	return start(t, cfg)
}

func config(t *testing.T, second time.Duration) local.Config {
	cfg := local.DefaultConfig()
	cfg.Addr, cfg.EventsAddr, cfg.DataDir, cfg.EventsAPIKey = "127.0.0.1:0", "127.0.0.1:0", t.TempDir(), "da2-console-test"
	cfg.Credentials = []sigv4.Credential{principalA, principalB}
	cfg.Workers, cfg.QueueSize, cfg.Retention, cfg.ShutdownTimeout = 4, 1000, time.Hour, 100*time.Millisecond
	cfg.JobTypes = jobtypes.Config{Second: second, OrderStep: 20 * time.Millisecond}
	cfg.Logger = slog.New(slog.DiscardHandler)
	return cfg
}

func start(t *testing.T, cfg local.Config) string {
	t.Helper()
	sys, err := local.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Shutdown(context.Background()) })
	return "http://" + sys.Addr()
}

// job is what a test reads of a job.
type job struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Seq    int64  `json:"seq"`
}

// submitAs posts body as cred straight to the API and returns the job.
func submitAs(t *testing.T, base string, cred sigv4.Credential, body string) job {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/jobs", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, raw := sigv4test.Do(t, req, []byte(body), cred, "us-east-1")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /jobs %s as %s: %d %s", body, cred.Principal, resp.StatusCode, raw)
	}
	var j job
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	return j
}

// getAs reads job id as cred straight from the API.
func getAs(t *testing.T, base string, cred sigv4.Credential, id string) job {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/jobs/"+id, nil)
	resp, raw := sigv4test.Do(t, req, nil, cred, "us-east-1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /jobs/%s as %s: %d %s", id, cred.Principal, resp.StatusCode, raw)
	}
	var j job
	json.Unmarshal(raw, &j)
	return j
}

// send sends an unsigned request to the console with the headers given as
// name, value pairs, and returns the status and body.
func send(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// streamEvent is one event of /console/events.
type streamEvent struct {
	name string // "" for a job's state
	data string
}

// openStream opens /console/events for ids and returns its events as they
// arrive; the stream is closed at the end of the test.
func openStream(t *testing.T, base, ids string) <-chan streamEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/console/events?jobs="+ids, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /console/events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := make(chan streamEvent, 100)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		var e streamEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				e.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data = strings.TrimPrefix(line, "data: ")
			case line == "":
				events <- e
				e = streamEvent{}
			}
		}
	}()
	return events
}

// next is the stream's next event; the test fails if none comes in 30 s.
func next(t *testing.T, events <-chan streamEvent) streamEvent {
	t.Helper()
	select {
	case e, ok := <-events:
		if !ok {
			t.Fatal("the event stream ended")
		}
		return e
	case <-time.After(30 * time.Second):
		t.Fatal("no event in 30 s")
		return streamEvent{}
	}
}
