package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/local"
)

// captured is a request as an httptest server received it.
type captured struct {
	method, host, uri string
	header            http.Header
	body              []byte
}

// fakeAPI answers every request with status and body after recording it.
func fakeAPI(t *testing.T, status int, header http.Header, body string) (url string, requests func() []captured) {
	t.Helper()
	var mu sync.Mutex
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, captured{r.Method, r.Host, r.URL.RequestURI(), r.Header.Clone(), b})
		mu.Unlock()
		for name, values := range header {
			w.Header()[name] = values
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []captured {
		mu.Lock()
		defer mu.Unlock()
		return append([]captured(nil), got...)
	}
}

const fakeJob = `{"id":"j-1","type":"sleep","status":"Pending","parameters":{"seconds":1},"attempts":0,` +
	`"createdAt":"2026-11-22T00:00:00.000Z","updatedAt":"2026-11-22T00:00:00.000Z","seq":1,"expiresAt":"2026-11-29T00:00:00.000Z"}`

func TestRequestsAreSignedUnderTheStagePath(t *testing.T) {
	t.Parallel()
	base, requests := fakeAPI(t, http.StatusAccepted, nil, fakeJob)
	common := []string{"--endpoint", base + "/prod", "--region", "eu-west-3", "--credentials", "local"}
	body := `{"seconds":1}`
	for _, args := range [][]string{
		append([]string{"submit"}, append(common, body)...),
		append([]string{"get"}, append(common, "j-1")...),
	} {
		if err := run(t.Context(), args, io.Discard, io.Discard); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
	}
	got := requests()
	if len(got) != 2 {
		t.Fatalf("%d requests, want 2", len(got))
	}
	host := strings.TrimPrefix(base, "http://")
	for i, want := range []struct{ method, uri, body, signed string }{
		{"POST", "/prod/jobs", body, "content-type;host;x-amz-content-sha256;x-amz-date"},
		{"GET", "/prod/jobs/j-1", "", "host;x-amz-content-sha256;x-amz-date"},
	} {
		r := got[i]
		if r.method != want.method || r.uri != want.uri || r.host != host || string(r.body) != want.body {
			t.Errorf("request %d: %s %s Host %s body %q, want %s %s Host %s body %q", i, r.method, r.uri, r.host, r.body, want.method, want.uri, host, want.body)
		}
		sum := sha256.Sum256([]byte(want.body))
		if h := r.header.Get("X-Amz-Content-Sha256"); h != hex.EncodeToString(sum[:]) {
			t.Errorf("request %d: X-Amz-Content-Sha256 %q, want the hash of the body", i, h)
		}
		date, _, _ := strings.Cut(r.header.Get("X-Amz-Date"), "T")
		scope := sigv4.DevAccessKeyID + "/" + date + "/eu-west-3/execute-api/aws4_request"
		auth := r.header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+scope+", SignedHeaders="+want.signed+", Signature=") {
			t.Errorf("request %d: Authorization %q, want scope %s and signed headers %s", i, auth, scope, want.signed)
		}
	}
}

func TestNoSignSendsNoSignature(t *testing.T) {
	t.Parallel()
	base, requests := fakeAPI(t, http.StatusOK, nil, fakeJob)
	if err := run(t.Context(), []string{"get", "--endpoint", base, "--no-sign", "j-1"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if h := requests()[0].header; h.Get("Authorization") != "" || h.Get("X-Amz-Date") != "" {
		t.Fatalf("--no-sign sent Authorization %q, X-Amz-Date %q", h.Get("Authorization"), h.Get("X-Amz-Date"))
	}
}

func TestAWSCredentialsComeFromTheChain(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFROMTHEENVIRONMENT")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "token")

	// Not a loopback endpoint: the default is the AWS chain.
	o := &apiOptions{endpoint: "https://abc123.execute-api.eu-west-3.amazonaws.com/prod", region: "eu-west-3"}
	provider, err := o.signingCredentials(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if creds, err := provider.Retrieve(t.Context()); err != nil || creds.AccessKeyID != "AKIAFROMTHEENVIRONMENT" {
		t.Fatalf("credentials for an API Gateway endpoint: %v (%v), want the environment's", creds.AccessKeyID, err)
	}

	base, requests := fakeAPI(t, http.StatusOK, nil, fakeJob)
	if err := run(t.Context(), []string{"get", "--endpoint", base, "--credentials", "aws", "j-1"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	h := requests()[0].header
	if !strings.Contains(h.Get("Authorization"), "Credential=AKIAFROMTHEENVIRONMENT/") || h.Get("X-Amz-Security-Token") != "token" {
		t.Fatalf("Authorization %q, X-Amz-Security-Token %q: want the environment's credentials", h.Get("Authorization"), h.Get("X-Amz-Security-Token"))
	}
}

func TestLoopbackEndpoints(t *testing.T) {
	t.Parallel()
	for endpoint, want := range map[string]bool{
		"http://127.0.0.1:8080": true, "http://localhost:8080/": true, "http://[::1]:8080": true,
		"https://abc123.execute-api.us-east-1.amazonaws.com/prod": false, "http://10.0.0.1:8080": false,
	} {
		if got := isLoopback(endpoint); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", endpoint, got, want)
		}
	}
}

func TestRefusalsAreExplained(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		header http.Header
		body   string
		want   string
	}{
		{http.StatusForbidden, nil, `{"message":"The request signature we calculated does not match the signature you provided."}`,
			"the API refused the signature: The request signature we calculated does not match the signature you provided.; check --credentials/--region"},
		{http.StatusServiceUnavailable, http.Header{"Retry-After": {"7"}}, `{"type":"about:blank","status":503,"detail":"too many jobs are queued; try again later"}`,
			"the API is overloaded; retry after 7 s (too many jobs are queued; try again later)"},
		{http.StatusNotFound, nil, `{"detail":"the job does not exist or has expired"}`, "no job j-1 (or it belongs to another principal)"},
		{http.StatusBadRequest, nil, `{"detail":"the request is not valid","errors":[{"field":"wait","rule":"max","message":"wait must be at most 25"},{"rule":"json","message":"bad body"}]}`,
			"the request is not valid: wait: wait must be at most 25; bad body"},
		{http.StatusBadGateway, nil, "upstream down", "the API answered 502 Bad Gateway: upstream down"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			base, _ := fakeAPI(t, tt.status, tt.header, tt.body)
			err := run(t.Context(), []string{"get", "--endpoint", base, "j-1"}, io.Discard, io.Discard)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestJobsdVerifiesTheSignature(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	id := d.submit(t, `{"seconds":1}`)
	for _, args := range [][]string{{"--no-sign", id}, {"--region", "eu-west-1", id}} {
		_, _, err := d.run("get", args...)
		if err == nil || !strings.HasPrefix(err.Error(), "the API refused the signature: ") || !strings.HasSuffix(err.Error(), "; check --credentials/--region") {
			t.Errorf("get %q: %v, want the 403's message", args, err)
		}
	}
	open := startJobsd(t, func(cfg *local.Config) { cfg.Auth = false })
	if _, _, err := open.run("submit", "--no-sign", `{"seconds":1}`); err != nil {
		t.Errorf("submit --no-sign to jobsd --auth=none: %v", err)
	}
}
