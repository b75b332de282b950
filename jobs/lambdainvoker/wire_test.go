package lambdainvoker

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// request is what the fake Lambda endpoint received.
type request struct {
	method, path, invocationType, auth, body string
}

// fakeLambda serves the Invoke operation of Lambda's REST API
// (POST /2015-03-31/functions/{name}/invocations) with status and body and
// records each request on the returned channel.
func fakeLambda(t *testing.T, status int, header http.Header, body string) (*lambda.Client, <-chan request) {
	t.Helper()
	got := make(chan request, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		got <- request{r.Method, r.URL.EscapedPath(), r.Header.Get("X-Amz-Invocation-Type"), r.Header.Get("Authorization"), string(data)}
		for name, values := range header {
			w.Header()[name] = values
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return client(srv.URL), got
}

// client is the real SDK client pointed at endpoint, without retries.
func client(endpoint string) *lambda.Client {
	return lambda.New(lambda.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
		RetryMaxAttempts: 1,
	})
}

func TestInvokeOnTheWire(t *testing.T) {
	t.Parallel()
	c, got := fakeLambda(t, http.StatusAccepted, nil, "")
	if err := New(c, "jobs-processor").Invoke(t.Context(), "0192f0a4-6b1e-7c3d-9a2b-5e4f3a2b1c0d"); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.method != http.MethodPost || r.path != "/2015-03-31/functions/jobs-processor/invocations" {
		t.Errorf("%s %s, want POST /2015-03-31/functions/jobs-processor/invocations", r.method, r.path)
	}
	if r.invocationType != "Event" {
		t.Errorf("X-Amz-Invocation-Type %q, want Event", r.invocationType)
	}
	if !strings.HasPrefix(r.auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(r.auth, "/us-east-1/lambda/aws4_request") {
		t.Errorf("Authorization %q is not a SigV4 signature for lambda", r.auth)
	}
	if r.body != `{"jobId":"0192f0a4-6b1e-7c3d-9a2b-5e4f3a2b1c0d"}` {
		t.Errorf("body %s", r.body)
	}
}

func TestInvokeMapsLambdaResponses(t *testing.T) {
	t.Parallel()
	jsonType := http.Header{"Content-Type": {"application/json"}}
	withType := func(typ string) http.Header {
		h := jsonType.Clone()
		h.Set("X-Amzn-Errortype", typ)
		return h
	}
	tests := map[string]struct {
		status int
		header http.Header
		body   string
		want   error  // the sentinel, or nil for neither
		as     any    // an AWS error type the chain must still hold
		text   string // in the message
	}{
		"throttled": {
			status: http.StatusTooManyRequests, header: withType("TooManyRequestsException"),
			body: `{"Type":"User","message":"Rate Exceeded.","Reason":"CallerRateLimitExceeded"}`,
			want: jobs.ErrOverloaded, as: new(*types.TooManyRequestsException), text: "Rate Exceeded",
		},
		"service error": {
			status: http.StatusInternalServerError, header: withType("ServiceException"),
			body: `{"Type":"Service","message":"internal failure"}`,
			want: jobs.ErrUnavailable, as: new(*types.ServiceException), text: "internal failure",
		},
		"unknown function": {
			status: http.StatusNotFound, header: withType("ResourceNotFoundException"),
			body: `{"Type":"User","message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:jobs-processor"}`,
			as:   new(*types.ResourceNotFoundException), text: "Function not found",
		},
		"200 instead of 202": {status: http.StatusOK, header: jsonType, body: `null`, text: "200"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, _ := fakeLambda(t, tt.status, tt.header, tt.body)
			err := New(c, "jobs-processor").Invoke(t.Context(), "job-1")
			if err == nil || !strings.Contains(err.Error(), tt.text) || !strings.Contains(err.Error(), "invoke jobs-processor for job job-1") {
				t.Fatalf("got %v, want an error with %q and context", err, tt.text)
			}
			if tt.as != nil && !errors.As(err, tt.as) {
				t.Errorf("%v does not hold %T", err, tt.as)
			}
			for _, sentinel := range []error{jobs.ErrOverloaded, jobs.ErrUnavailable} {
				if got := errors.Is(err, sentinel); got != (sentinel == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %t", err, sentinel, got)
				}
			}
		})
	}
}

func TestInvokeWhenLambdaCannotBeReached(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there any more
	err := New(client(srv.URL), "jobs-processor").Invoke(t.Context(), "job-1")
	if !errors.Is(err, jobs.ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
}
