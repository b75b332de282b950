package appsync_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/push/appsync"
	"github.com/asyncjobs/asyncjobs/push/localevents"
)

const iamRegion = "eu-west-1"

// The functions' credentials: the processor's long-term keys and the API
// function's temporary ones.
var (
	processorCreds = aws.Credentials{AccessKeyID: "AKIAPROCESSOR", SecretAccessKey: "processor-secret"}
	apiCreds       = aws.Credentials{AccessKeyID: "ASIAAPIFUNCTION", SecretAccessKey: "api-secret", SessionToken: "api-session-token"}
)

func iamAuth(c aws.Credentials) appsync.Auth {
	return appsync.IAM(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil }), iamRegion)
}

// iamEndpoint serves the local endpoint with the functions' credentials and
// the stack's auth modes: the jobs namespace takes publishes with AWS_IAM
// only and subscriptions with API_KEY or AWS_IAM.
func iamEndpoint(t *testing.T) (string, appsync.ClientConfig) {
	t.Helper()
	verifier, err := sigv4.NewVerifier(sigv4.Config{Region: iamRegion, Service: "appsync", Credentials: []sigv4.Credential{
		{AccessKeyID: processorCreds.AccessKeyID, SecretAccessKey: processorCreds.SecretAccessKey, Principal: "arn:aws:sts::000000000000:assumed-role/processor/fn"},
		{AccessKeyID: apiCreds.AccessKeyID, SecretAccessKey: apiCreds.SecretAccessKey, SessionToken: apiCreds.SessionToken, Principal: "arn:aws:sts::000000000000:assumed-role/api/fn"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	endpoint, client := localEndpoint(t, localevents.Config{
		APIKeys:       []string{"da2-good"},
		IAM:           verifier,
		JobNamespaces: []string{"jobs"},
		NamespaceAuthModes: map[string]localevents.NamespaceAuthModes{"jobs": {
			Publish:   []localevents.AuthMode{localevents.AuthIAM},
			Subscribe: []localevents.AuthMode{localevents.AuthAPIKey, localevents.AuthIAM},
		}},
	})
	return endpoint, appsync.ClientConfig{Endpoint: endpoint, HTTPClient: client}
}

func publisher(t *testing.T, cfg appsync.ClientConfig, auth appsync.Auth) *appsync.Publisher {
	t.Helper()
	p, err := appsync.NewPublisher(appsync.PublisherConfig{Endpoint: cfg.Endpoint, Auth: auth, HTTPClient: cfg.HTTPClient, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func dial(ctx context.Context, cfg appsync.ClientConfig, auth appsync.Auth) (*appsync.Conn, error) {
	cfg.Auth = auth
	return appsync.Dial(ctx, cfg)
}

// TestIAMAgainstTheLocalEndpoint runs the functions' side in AWS: the API
// function subscribes with IAM to wait for a job, the processor publishes
// with SigV4 over HTTP; API-key clients subscribe but may not publish.
func TestIAMAgainstTheLocalEndpoint(t *testing.T) {
	t.Parallel()
	_, cfg := iamEndpoint(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	waiter, err := dial(ctx, cfg, iamAuth(apiCreds))
	if err != nil {
		t.Fatalf("IAM dial: %v", err)
	}
	defer waiter.Close()
	sub, err := waiter.Subscribe(ctx, "/jobs/j1")
	if err != nil {
		t.Fatalf("IAM subscribe: %v", err)
	}
	receive := func(want string) {
		t.Helper()
		select {
		case got := <-sub.Events():
			if string(got) != want {
				t.Fatalf("received %s, want %s", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("%s never arrived", want)
		}
	}
	if err := publisher(t, cfg, iamAuth(processorCreds)).Publish(ctx, "/jobs/j1", []json.RawMessage{json.RawMessage(`{"seq":1}`)}); err != nil {
		t.Fatalf("IAM publish over HTTP: %v", err)
	}
	receive(`{"seq":1}`)

	wrongSecret := processorCreds
	wrongSecret.SecretAccessKey = "not-the-secret"
	if err := publisher(t, cfg, iamAuth(wrongSecret)).Publish(ctx, "/jobs/j1", []json.RawMessage{json.RawMessage(`{}`)}); !unauthorized(err) {
		t.Fatalf("publish with a wrong secret: %v, want UnauthorizedException", err)
	}
	if _, err := dial(ctx, cfg, iamAuth(wrongSecret)); !unauthorized(err) {
		t.Fatalf("dial with a wrong secret: %v, want UnauthorizedException", err)
	}
	wrongToken := apiCreds
	wrongToken.SessionToken = "other-token"
	if _, err := dial(ctx, cfg, iamAuth(wrongToken)); !unauthorized(err) {
		t.Fatalf("dial with a wrong session token: %v, want UnauthorizedException", err)
	}

	browser, err := dial(ctx, cfg, appsync.APIKey("da2-good"))
	if err != nil {
		t.Fatalf("API-key dial: %v", err)
	}
	defer browser.Close()
	if _, err := browser.Subscribe(ctx, "/jobs/j1"); err != nil {
		t.Fatalf("API-key subscribe to a job's channel: %v", err)
	}
	if err := publisher(t, cfg, appsync.APIKey("da2-good")).Publish(ctx, "/jobs/j1", []json.RawMessage{json.RawMessage(`{}`)}); !unauthorized(err) {
		t.Fatalf("API-key publish over HTTP to the jobs namespace: %v, want UnauthorizedException", err)
	}
}

// unauthorized reports whether err is AppSync's UnauthorizedException.
func unauthorized(err error) bool {
	var e *appsync.Error
	return errors.Is(err, appsync.ErrUnauthorized) && errors.As(err, &e) && e.Type == "UnauthorizedException"
}
