package local_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
)

// signed builds a request signed as newman signs it, at the given time, with
// a fresh signer (the SDK caches keys by access key id, not by secret).
func signed(t *testing.T, method, url, body string, cred sigv4.Credential, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "execute-api", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return req
}

func status(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &body)
	return resp.StatusCode, body
}

func TestSigV4AsAPIGatewayChecksIt(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.Auth = true
	cfg.Credentials = []sigv4.Credential{principalA, principalB}
	_, base := start(t, cfg)
	a := principalA
	now := time.Now()

	code, job := status(t, signed(t, http.MethodPost, base+"/jobs", `{"seconds":1}`, a, now))
	if code != http.StatusAccepted {
		t.Fatalf("signed POST: %d %v", code, job)
	}
	id, _ := job["id"].(string)

	dev := sigv4.Credential{AccessKeyID: sigv4.DevAccessKeyID, SecretAccessKey: sigv4.DevSecretAccessKey}
	wrong := a
	wrong.SecretAccessKey = "not-the-secret-not-the-secret-not-the-se"
	tampered := signed(t, http.MethodPost, base+"/jobs", `{"seconds":1}`, a, now)
	tampered.Body = io.NopCloser(bytes.NewReader([]byte(`{"seconds":9}`)))
	unsigned, _ := http.NewRequest(http.MethodGet, base+"/jobs/"+id, nil)
	for _, tt := range []struct {
		name string
		req  *http.Request
		want int
	}{
		{"unsigned", unsigned, http.StatusForbidden},
		{"wrong secret", signed(t, http.MethodGet, base+"/jobs/"+id, "", wrong, now), http.StatusForbidden},
		{"10 minutes old", signed(t, http.MethodGet, base+"/jobs/"+id, "", a, now.Add(-10*time.Minute)), http.StatusForbidden},
		{"body changed after signing", tampered, http.StatusForbidden},
		{"principal B reads A's job", signed(t, http.MethodGet, base+"/jobs/"+id, "", principalB, now), http.StatusNotFound},
		{"principal B cancels A's job", signed(t, http.MethodDelete, base+"/jobs/"+id, "", principalB, now), http.StatusNotFound},
		{"the dev credential, not among the principals", signed(t, http.MethodGet, base+"/jobs/"+id, "", dev, now), http.StatusForbidden},
		{"principal A reads its job", signed(t, http.MethodGet, base+"/jobs/"+id+"?wait=1", "", a, now), http.StatusOK},
	} {
		code, body := status(t, tt.req)
		if code != tt.want {
			t.Errorf("%s: %d %v, want %d", tt.name, code, body, tt.want)
		}
		if code == http.StatusForbidden && body["detail"] == "" {
			t.Errorf("%s: a 403 without API Gateway's message: %v", tt.name, body)
		}
	}
}
