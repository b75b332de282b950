package appsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Auth authorises requests to an AppSync Events API. Both methods return
// headers with lower-case names, "host" among them.
type Auth interface {
	// Headers authorise an HTTP POST of body to endpoint (https://host/event);
	// they go on the request as they are.
	Headers(ctx context.Context, endpoint *url.URL, body []byte) (map[string]string, error)
	// RealtimeHeaders authorise a realtime connection (body "{}"), subscribe
	// ({"channel":…}) or publish ({"channel":…,"events":[…]}) in the form
	// AppSync documents for the realtime protocol; they go, as a JSON
	// object, into the header- subprotocol or the message's authorization.
	RealtimeHeaders(ctx context.Context, endpoint *url.URL, body []byte) (map[string]string, error)
}

// APIKey authorises with an API key (x-api-key).
func APIKey(key string) Auth { return apiKey(key) }

type apiKey string

func (k apiKey) Headers(_ context.Context, endpoint *url.URL, _ []byte) (map[string]string, error) {
	return map[string]string{"host": endpoint.Host, "x-api-key": string(k)}, nil
}

func (k apiKey) RealtimeHeaders(ctx context.Context, endpoint *url.URL, body []byte) (map[string]string, error) {
	return k.Headers(ctx, endpoint, body)
}

// IAM authorises with SigV4 signatures (service "appsync") made with the
// credentials that creds provides; pass a caching provider such as the
// Credentials of an aws.Config. Each IAM value has its own signer, because
// aws-sdk-go-v2's signer caches signing keys by access key id and date.
func IAM(creds aws.CredentialsProvider, region string) Auth {
	return &iam{creds: creds, region: region, signer: v4.NewSigner(), now: time.Now}
}

type iam struct {
	creds  aws.CredentialsProvider
	region string
	signer *v4.Signer
	now    func() time.Time
}

// realtimeSigned are the headers, besides host, x-amz-date and (with
// temporary credentials) x-amz-security-token, that AWS's documented IAM
// authorization of the realtime protocol signs, with their values, as its
// examples and Amplify's AWSWebSocketProvider send them.
var realtimeSigned = map[string]string{
	"accept":           "application/json, text/javascript",
	"content-encoding": "amz-1.0",
	"content-type":     "application/json; charset=UTF-8",
}

// Headers signs POST endpoint with the hash of body, signing host,
// x-amz-date and x-amz-security-token (with temporary credentials).
func (a *iam) Headers(ctx context.Context, endpoint *url.URL, body []byte) (map[string]string, error) {
	return a.sign(ctx, endpoint, body, nil)
}

// RealtimeHeaders signs POST endpoint with the hash of body and AppSync's
// documented realtime headers: accept, content-encoding, content-type,
// host, x-amz-date and x-amz-security-token (with temporary credentials).
func (a *iam) RealtimeHeaders(ctx context.Context, endpoint *url.URL, body []byte) (map[string]string, error) {
	return a.sign(ctx, endpoint, body, realtimeSigned)
}

// sign signs POST endpoint with the hash of body and the extra headers, and
// returns every signed header with the authorization.
func (a *iam) sign(ctx context.Context, endpoint *url.URL, body []byte, extra map[string]string) (map[string]string, error) {
	creds, err := a.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("appsync: retrieve AWS credentials: %w", err)
	}
	u := *endpoint
	req := &http.Request{Method: http.MethodPost, URL: &u, Host: u.Host, Header: http.Header{}}
	for name, value := range extra {
		req.Header.Set(name, value)
	}
	sum := sha256.Sum256(body)
	if err := a.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "appsync", a.region, a.now()); err != nil {
		return nil, fmt.Errorf("appsync: sign request: %w", err)
	}
	headers := map[string]string{"host": req.Host} // the signer drops a default port
	for name := range req.Header {
		headers[strings.ToLower(name)] = req.Header.Get(name)
	}
	return headers, nil
}
