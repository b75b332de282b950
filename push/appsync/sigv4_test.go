package appsync

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const testRegion = "eu-west-1"

// sessionCreds are temporary credentials: they carry a session token.
var sessionCreds = aws.Credentials{AccessKeyID: "ASIATESTKEY", SecretAccessKey: "secret", SessionToken: "session-token"}

// verifySigV4 checks, as AppSync would, that headers (lower-case names)
// authorise method rawURL with body for creds: it rebuilds a request with
// only the signed headers, signs it again with a fresh signer at the
// client's x-amz-date and compares the whole authorization header. It
// returns the signed header names.
func verifySigV4(method, rawURL, host string, headers map[string]string, body []byte, creds aws.Credentials) (string, error) {
	authz := headers["authorization"]
	_, signed, ok := strings.Cut(authz, "SignedHeaders=")
	if !ok {
		return "", fmt.Errorf("no SignedHeaders in authorization %q", authz)
	}
	signed, _, _ = strings.Cut(signed, ",")
	at, err := time.Parse("20060102T150405Z", headers["x-amz-date"])
	if err != nil {
		return "", fmt.Errorf("x-amz-date: %w", err)
	}
	if headers["host"] != "" && headers["host"] != host {
		return "", fmt.Errorf("host %q signed, %q received", headers["host"], host)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	req := &http.Request{Method: method, URL: u, Host: host, Header: http.Header{}}
	for _, name := range strings.Split(signed, ";") {
		if name != "host" {
			req.Header.Set(name, headers[name])
		}
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "appsync", testRegion, at); err != nil {
		return "", err
	}
	if want := req.Header.Get("Authorization"); subtle.ConstantTimeCompare([]byte(want), []byte(authz)) != 1 {
		return "", fmt.Errorf("signature mismatch:\n got %s\nwant %s", authz, want)
	}
	if headers["x-amz-security-token"] != creds.SessionToken {
		return "", fmt.Errorf("x-amz-security-token %q, want %q", headers["x-amz-security-token"], creds.SessionToken)
	}
	return signed, nil
}

// lowerHeaders flattens an HTTP header into lower-case names and first values.
func lowerHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for name := range h {
		out[strings.ToLower(name)] = h.Get(name)
	}
	return out
}
