// Package sigv4test signs test requests as API Gateway's callers do: SigV4
// for execute-api, with X-Amz-Content-Sha256 over the body, and a fresh
// signer each time (the SDK's signer caches keys by access key id, not by
// secret).
package sigv4test

import (
	"crypto/sha256"
	"encoding/hex"
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
