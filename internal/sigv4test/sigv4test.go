// Package sigv4test signs test requests as API Gateway's callers do: SigV4
// for execute-api, with X-Amz-Content-Sha256 over the body, and a fresh
// signer each time (the SDK's signer caches keys by access key id, not by
// secret).
package sigv4test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
)

// Sign signs req, whose body is body, with cred for service execute-api in
// region, now.
func Sign(t testing.TB, req *http.Request, body []byte, cred sigv4.Credential, region string) {
	t.Helper()
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey, SessionToken: cred.SessionToken}
	if err := v4.NewSigner().SignHTTP(req.Context(), creds, req, hash, sigv4.DefaultService, region, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// Do signs req as Sign does (unless cred is the zero Credential), sends it
// and returns the response with its body read.
func Do(t testing.TB, req *http.Request, body []byte, cred sigv4.Credential, region string) (*http.Response, []byte) {
	t.Helper()
	if cred != (sigv4.Credential{}) {
		Sign(t, req, body, cred, region)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, raw
}
