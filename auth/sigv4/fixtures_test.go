package sigv4

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The requests under testdata/requests are the bytes that newman 6.2.2
// (awsv4 auth, service execute-api) and curl 7.88.1 (--aws-sigv4
// "aws:amz:us-east-1:execute-api") sent to 127.0.0.1:18080, signed with the
// dev credentials or, for the session token, with fixtureSession.
var fixtureSession = Credential{
	AccessKeyID:     "ASIATEMPORARYEXAMPLE",
	SecretAccessKey: "temporarysecret",
	SessionToken:    "tok/en+123==",
	Principal:       "arn:aws:sts::000000000000:assumed-role/local/session",
}

// readFixture parses a recorded request as a server would, and returns it
// with its body and the time it was signed.
func readFixture(t *testing.T, name string) (*http.Request, []byte, time.Time) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "requests", name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	signedAt, err := time.Parse(amzDate, r.Header.Get("X-Amz-Date"))
	if err != nil {
		t.Fatal(err)
	}
	return r, body, signedAt
}

func fixtureVerifier(t *testing.T, now time.Time) *Verifier {
	t.Helper()
	v, err := NewVerifier(Config{
		Region:      "us-east-1",
		Credentials: []Credential{{AccessKeyID: DevAccessKeyID, SecretAccessKey: DevSecretAccessKey, Principal: DevPrincipal}, fixtureSession},
		Now:         func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRecordedClientRequests(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, principal, refusal string
	}{
		{file: "newman-get-query.http", principal: DevPrincipal},
		{file: "newman-post-json.http", principal: DevPrincipal},
		{file: "newman-post-headers.http", principal: DevPrincipal},
		{file: "newman-get-escaped.http", principal: DevPrincipal},
		{file: "newman-session-token.http", principal: fixtureSession.Principal},
		{file: "curl-get-query.http", principal: DevPrincipal},
		{file: "curl-post-json.http", principal: DevPrincipal},
		{file: "curl-post-headers.http", principal: DevPrincipal},
		{file: "curl-post-form.http", principal: DevPrincipal},
		// curl 7.88 puts the path into the canonical request escaped once;
		// SigV4 (and API Gateway) escape it twice, so AWS refuses it too.
		{file: "curl-get-escaped.http", refusal: msgMismatch},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			r, body, signedAt := readFixture(t, tc.file)
			got, err := fixtureVerifier(t, signedAt.Add(time.Minute)).Verify(r, body)
			if tc.refusal != "" {
				assertRefusal(t, err, tc.refusal)
				return
			}
			if err != nil || got != tc.principal {
				t.Fatalf("Verify = %q, %v; want %q", got, err, tc.principal)
			}
		})
	}
}

// TestRecordedRequestsTampered changes recorded requests after signing.
func TestRecordedRequestsTampered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file string
		tamper     func(r *http.Request, body []byte) []byte
		refusal    string
	}{
		{"body", "newman-post-json.http", func(_ *http.Request, _ []byte) []byte { return []byte(`{"seconds": 9}`) }, msgMismatch},
		{"body without a content hash", "curl-post-json.http", func(_ *http.Request, _ []byte) []byte { return []byte(`{"seconds": 9}`) }, msgMismatch},
		{"signed header", "newman-post-headers.http", func(r *http.Request, b []byte) []byte { r.Header.Set("Prefer", "wait=25"); return b }, msgMismatch},
		{"query", "newman-get-query.http", func(r *http.Request, b []byte) []byte {
			r.RequestURI = strings.Replace(r.RequestURI, "wait=5", "wait=6", 1)
			r.URL.RawQuery = "wait=6"
			return b
		}, msgMismatch},
		{"path", "curl-get-query.http", func(r *http.Request, b []byte) []byte {
			r.RequestURI = strings.Replace(r.RequestURI, "0b6f", "1b6f", 1)
			return b
		}, msgMismatch},
		{"host", "newman-get-query.http", func(r *http.Request, b []byte) []byte { r.Host = "127.0.0.1:18081"; return b }, msgMismatch},
		{"session token", "newman-session-token.http", func(r *http.Request, b []byte) []byte {
			r.Header.Set("X-Amz-Security-Token", "tok/en+124==")
			return b
		}, msgInvalidToken},
		{"unsigned headers only", "newman-post-json.http", func(r *http.Request, b []byte) []byte {
			r.Header.Set("User-Agent", "other")
			r.Header.Set("Postman-Token", "other")
			r.Header.Set("Accept", "text/plain")
			return b
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, body, signedAt := readFixture(t, tc.file)
			body = tc.tamper(r, body)
			got, err := fixtureVerifier(t, signedAt).Verify(r, body)
			if tc.refusal == "" {
				if err != nil || got == "" {
					t.Fatalf("Verify = %q, %v; unsigned headers must not matter", got, err)
				}
				return
			}
			assertRefusal(t, err, tc.refusal)
		})
	}
}
