package main

import (
	"context"
	"fmt"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/apisign"
	"github.com/asyncjobs/asyncjobs/internal/loopback"
)

// signingCredentials are what requests to the API are signed with: the
// chosen --credentials, or by default the local dev credentials for jobsd on
// a loopback address and the AWS credential chain for anything else.
func (o *apiOptions) signingCredentials(ctx context.Context) (aws.CredentialsProvider, error) {
	source := o.credentials
	switch {
	case source != "":
	case o.profile != "" || !isLoopback(o.endpoint):
		source = "aws"
	default:
		source = "local"
	}
	if source == "local" {
		local := sigv4.LocalCredential(os.LookupEnv)
		return apisign.Static(local.AccessKeyID, local.SecretAccessKey, "jobsctl local credentials"), nil
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(o.region)}
	if o.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration (--credentials aws): %w", err)
	}
	return cfg.Credentials, nil
}

// isLoopback tells whether rawURL's host is this machine.
func isLoopback(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && loopback.Host(u.Hostname())
}
