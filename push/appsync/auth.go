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

// Auth authorises requests to an AppSync Events API.
type Auth interface {
	// Headers returns the headers, with lower-case names and "host" among
	// them, that authorise a POST of body to endpoint (https://host/event).
	// They go on an HTTP publish as they are and, as a JSON object, into the
	// authorization of the realtime protocol's handshake and messages.
	Headers(ctx context.Context, endpoint *url.URL, body []byte) (map[string]string, error)
}

// APIKey authorises with an API key (x-api-key).
func APIKey(key string) Auth { return apiKey(key) }

type apiKey string

func (k apiKey) Headers(_ context.Context, endpoint *url.URL, _ []byte) (map[string]string, error) {
	return map[string]string{"host": endpoint.Host, "x-api-key": string(k)}, nil
}

// IAM authorises with SigV4 signatures (service "appsync") made with the
// credentials that creds provides; pass a caching provider such as the
// Credentials of an aws.Config. Each IAM value has its own signer, because
// aws-sdk-go-v2's signer caches signing keys by access key id and date.
func IAM(creds aws.CredentialsProvider, region string) Auth {
	return &iam{creds: creds, region: region, signer: v4.NewSigner()}
}

type iam struct {
	creds  aws.CredentialsProvider
	region string
	signer *v4.Signer
}

// Headers signs POST endpoint with the hash of body. Only host, x-amz-date
// and x-amz-security-token (with temporary credentials) are signed, so that
// the headers alone let AppSync check the signature of a realtime message.
func (a *iam) Headers(ctx context.Context, endpoint *url.URL, body []byte) (map[string]string, error) {
	creds, err := a.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("appsync: retrieve AWS credentials: %w", err)
	}
	u := *endpoint
	req := &http.Request{Method: http.MethodPost, URL: &u, Host: u.Host, Header: http.Header{}}
	sum := sha256.Sum256(body)
	if err := a.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "appsync", a.region, time.Now()); err != nil {
		return nil, fmt.Errorf("appsync: sign request: %w", err)
	}
	headers := map[string]string{"host": req.Host} // the signer drops a default port
	for name := range req.Header {
		headers[strings.ToLower(name)] = req.Header.Get(name)
	}
	return headers, nil
}
