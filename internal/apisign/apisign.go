// Package apisign signs requests to the jobs API with SigV4 for service
// execute-api, as API Gateway's AWS_IAM auth and jobsd check them: over the
// hash of the actual body, which is also sent in X-Amz-Content-Sha256.
package apisign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Service is the service API Gateway's AWS_IAM auth checks signatures for.
const Service = "execute-api"

// Signer signs requests with the credentials it is given.
type Signer struct {
	creds  aws.CredentialsProvider
	region string
	// signer is this Signer's own: aws-sdk-go-v2's signer caches signing
	// keys by access key id and date, not by secret.
	signer *v4.Signer
}

// New returns a Signer for region with creds.
func New(creds aws.CredentialsProvider, region string) *Signer {
	return &Signer{creds: creds, region: region, signer: v4.NewSigner()}
}

// Static is a provider of fixed credentials; source says where they come from.
func Static(accessKeyID, secretAccessKey, source string) aws.CredentialsProvider {
	creds := aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey, Source: source}
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })
}

// Sign signs req with the hash of body. The Host signed is the URL's (the
// SDK drops an explicit default port, and the request then carries the same
// Host); Content-Length is not signed.
func (s *Signer) Sign(ctx context.Context, req *http.Request, body []byte) error {
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("get the credentials to sign with: %w", err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	// The SDK signs content-length whenever ContentLength > 0.
	length := req.ContentLength
	req.ContentLength = 0
	err = s.signer.SignHTTP(ctx, creds, req, hash, Service, s.region, time.Now())
	req.ContentLength = length
	if err != nil {
		return fmt.Errorf("sign the request: %w", err)
	}
	return nil
}
