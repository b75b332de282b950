package console_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestConsoleShowsOnlyItsPrincipalsJobs: the console signs as A; B's job is
// never shown, cancelled nor followed through it, by any path.
func TestConsoleShowsOnlyItsPrincipalsJobs(t *testing.T) {
	base := setup(t, time.Minute) // sleep jobs stay Running
	mine := submitAs(t, base, principalA, `{"seconds":1}`)
	theirs := submitAs(t, base, principalB, `{"seconds":1}`)

	if code, body := send(t, "GET", base+"/console/api/jobs/"+mine.ID, ""); code != http.StatusOK || !strings.Contains(body, mine.ID) {
		t.Fatalf("GET A's job through the console: %d %s", code, body)
	}
	if code, body := send(t, "GET", base+"/console/api/jobs/"+theirs.ID, ""); code != http.StatusNotFound || strings.Contains(body, `"status":"`) {
		t.Errorf("GET B's job through the console: %d %s, want 404 without the job", code, body)
	}
	code, body := send(t, "GET", base+"/console/api/jobs?limit=200", "")
	if code != http.StatusOK || !strings.Contains(body, mine.ID) || strings.Contains(body, theirs.ID) {
		t.Errorf("GET /console/api/jobs: %d %s, want A's job and not B's", code, body)
	}
	if code, body := send(t, "DELETE", base+"/console/api/jobs/"+theirs.ID, "", "X-Console", "1"); code != http.StatusNotFound {
		t.Errorf("DELETE B's job through the console: %d %s, want 404", code, body)
	}
	if got := getAs(t, base, principalB, theirs.ID); got.Status != "Running" && got.Status != "Pending" {
		t.Errorf("B's job is %s after the console's DELETE, want it untouched", got.Status)
	}

	events := openStream(t, base, theirs.ID+","+mine.ID)
	var refused, followed bool
	for !refused || !followed {
		e := next(t, events)
		switch e.name {
		case "refused":
			var r struct {
				ID     string `json:"id"`
				Status int    `json:"status"`
			}
			json.Unmarshal([]byte(e.data), &r)
			if r.ID != theirs.ID || r.Status != http.StatusNotFound {
				t.Fatalf("refused %s, want B's job %s refused with 404", e.data, theirs.ID)
			}
			refused = true
		case "":
			var j job
			json.Unmarshal([]byte(e.data), &j)
			if j.ID != mine.ID {
				t.Fatalf("the stream sent job %s, want only A's %s", e.data, mine.ID)
			}
			followed = true
		default:
			t.Fatalf("unexpected event %s: %s", e.name, e.data)
		}
	}
	// A's job changes (cancelled through the console) arrive on the stream.
	if code, body := send(t, "DELETE", base+"/console/api/jobs/"+mine.ID, "", "X-Console", "1"); code != http.StatusOK {
		t.Fatalf("DELETE A's job through the console: %d %s", code, body)
	}
	for {
		e := next(t, events)
		var j job
		json.Unmarshal([]byte(e.data), &j)
		if e.name != "" || j.ID != mine.ID {
			t.Fatalf("got %s %s, want only A's job", e.name, e.data)
		}
		if j.Status == "Cancelled" {
			break
		}
	}
}

// TestConsoleRefusesOtherSites: the console signs for the user, so a
// foreign Host (DNS rebinding), a foreign Origin or a write without the
// console's header is refused before the API is called.
func TestConsoleRefusesOtherSites(t *testing.T) {
	base := setup(t, time.Minute)
	host := strings.TrimPrefix(base, "http://")
	mine := submitAs(t, base, principalA, `{"seconds":1}`)
	for _, c := range []struct {
		name, method, path, body string
		header                   []string
		want                     int
	}{
		{"rebound Host", "GET", "/console/api/jobs", "", []string{"Host", "evil.example:" + strings.Split(host, ":")[1]}, http.StatusMisdirectedRequest},
		{"rebound Host, page", "GET", "/console/", "", []string{"Host", "evil.example"}, http.StatusMisdirectedRequest},
		{"foreign Origin, read", "GET", "/console/api/jobs", "", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"foreign Origin, events", "GET", "/console/events?jobs=" + mine.ID, "", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"other local Origin, write", "POST", "/console/api/jobs", `{"seconds":1}`, []string{"Origin", "http://localhost:1", "X-Console", "1", "Content-Type", "application/json"}, http.StatusForbidden},
		{"cross-site fetch", "GET", "/console/api/jobs", "", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"POST without X-Console", "POST", "/console/api/jobs", `{"seconds":1}`, []string{"Content-Type", "application/json"}, http.StatusForbidden},
		{"DELETE without X-Console", "DELETE", "/console/api/jobs/" + mine.ID, "", nil, http.StatusForbidden},
		{"form POST", "POST", "/console/api/jobs", `seconds=1`, []string{"Content-Type", "application/x-www-form-urlencoded", "Origin", "null"}, http.StatusForbidden},
		{"other API path", "GET", "/console/api/healthz", "", nil, http.StatusNotFound},
		{"too many events", "GET", "/console/events?jobs=" + strings.Repeat("a,", 200) + "a", "", nil, http.StatusBadRequest},
		{"own Origin, write", "POST", "/console/api/jobs", `{"seconds":1}`, []string{"Origin", base, "X-Console", "1", "Content-Type", "application/json"}, http.StatusAccepted},
		{"page", "GET", "/console/", "", nil, http.StatusOK},
	} {
		if code, body := send(t, c.method, base+c.path, c.body, c.header...); code != c.want {
			t.Errorf("%s: %s %s: %d %s, want %d", c.name, c.method, c.path, code, body, c.want)
		}
	}
	if got := getAs(t, base, principalA, mine.ID); got.Status == "Cancelled" {
		t.Error("a refused DELETE cancelled the job")
	}
	// jobsd's / leads to the console.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/console/" {
		t.Errorf("GET /: %d Location %q, want 302 to /console/", resp.StatusCode, resp.Header.Get("Location"))
	}
}
