package appsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/asyncjobs/asyncjobs/push"
)

func TestPublishWireFormatWithAPIKey(t *testing.T) {
	t.Parallel()
	p, f := setupPublisher(t, APIKey("da2-key"), nil)
	events := numbered(12)
	if err := p.Publish(t.Context(), "jobs/abc/", events); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	next := 0
	for i, r := range reqs {
		if r.method != http.MethodPost || r.path != "/event" {
			t.Errorf("request %d: %s %s, want POST /event", i, r.method, r.path)
		}
		if got := r.header.Get("Content-Type"); got != "application/json" {
			t.Errorf("request %d: content-type %q", i, got)
		}
		if got := r.header.Get("X-Api-Key"); got != "da2-key" {
			t.Errorf("request %d: x-api-key %q", i, got)
		}
		if got := r.header.Get("Authorization"); got != "" {
			t.Errorf("request %d: unexpected authorization %q", i, got)
		}
		var body map[string]json.RawMessage
		if err := json.Unmarshal(r.body, &body); err != nil || len(body) != 2 {
			t.Fatalf("request %d: body %s: want exactly channel and events (%v)", i, r.body, err)
		}
		if string(body["channel"]) != `"/jobs/abc"` {
			t.Errorf("request %d: channel %s, want the normalised /jobs/abc", i, body["channel"])
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(body["events"], &elems); err != nil {
			t.Fatal(err)
		}
		if want := []int{5, 5, 2}[i]; len(elems) != want {
			t.Errorf("request %d: %d events, want %d", i, len(elems), want)
		}
		for _, e := range elems {
			var s string
			if err := json.Unmarshal(e, &s); err != nil {
				t.Fatalf("request %d: event %s is not a JSON string", i, e)
			}
			if s != string(events[next]) {
				t.Errorf("event %d: %s, want %s", next, s, events[next])
			}
			next++
		}
	}
}

func TestPublishSignsWithIAM(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		creds  aws.Credentials
		signed string
	}{
		"session credentials":   {sessionCreds, "host;x-amz-date;x-amz-security-token"},
		"long-term credentials": {aws.Credentials{AccessKeyID: "AKIATESTKEY", SecretAccessKey: "secret"}, "host;x-amz-date"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			provider := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return tc.creds, nil })
			p, f := setupPublisher(t, IAM(provider, testRegion), nil)
			if err := p.Publish(t.Context(), "/jobs/abc", numbered(2)); err != nil {
				t.Fatal(err)
			}
			r := f.requests()[0]
			h := lowerHeaders(r.header)
			signed, err := verifySigV4(r.method, "https://"+r.host+r.path, r.host, h, r.body, tc.creds)
			if err != nil {
				t.Fatal(err)
			}
			if signed != tc.signed {
				t.Errorf("signed headers %q, want %q", signed, tc.signed)
			}
			if _, present := r.header["X-Amz-Security-Token"]; present != (tc.creds.SessionToken != "") {
				t.Errorf("x-amz-security-token present = %v with credentials %+v", present, tc.creds)
			}
			wrong := tc.creds
			wrong.SecretAccessKey = "not-the-secret"
			if _, err := verifySigV4(r.method, "https://"+r.host+r.path, r.host, h, r.body, wrong); err == nil {
				t.Error("the signature also verifies with another secret")
			}
			if _, err := verifySigV4(r.method, "https://"+r.host+r.path, r.host, h, append(r.body, ' '), tc.creds); err == nil {
				t.Error("the signature also verifies for another body")
			}
		})
	}
}

func TestPublishRefusesBeforeSending(t *testing.T) {
	t.Parallel()
	tooLarge := json.RawMessage(`"` + strings.Repeat("a", push.MaxEventBytes-1) + `"`)
	for name, tc := range map[string]struct {
		channel string
		events  []json.RawMessage
		is      error
		want    string
	}{
		"too large":   {"/jobs/a", append(numbered(6), tooLarge), ErrEventTooLarge, "event 6 is 245761 bytes"},
		"not JSON":    {"/jobs/a", append(numbered(7), json.RawMessage(`{"a":`)), nil, "event 7 is not JSON"},
		"bad channel": {"/jobs/a_b", numbered(1), nil, "not valid"},
		"wildcard":    {"/jobs/*", numbered(1), nil, "not valid"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, f := setupPublisher(t, APIKey("k"), nil)
			err := p.Publish(t.Context(), tc.channel, tc.events)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("error %v, want one with %q (is %v)", err, tc.want, tc.is)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

func TestPublishAcceptsAnEventOfTheMaximumSize(t *testing.T) {
	t.Parallel()
	p, f := setupPublisher(t, APIKey("k"), nil)
	largest := json.RawMessage(`"` + strings.Repeat("a", push.MaxEventBytes-2) + `"`)
	if err := p.Publish(t.Context(), "/jobs/a", []json.RawMessage{largest}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestPublishSurfacesFailedEntries(t *testing.T) {
	t.Parallel()
	p, f := setupPublisher(t, APIKey("k"), func(n int, w http.ResponseWriter) {
		if n == 2 {
			fmt.Fprint(w, `{"successful":[{"identifier":"a","index":0}],"failed":[{"code":"EventTooLargeException",`+
				`"identifier":"b","index":1,"message":"Transformed event is larger than 240KB"}]}`)
			return
		}
		fmt.Fprint(w, `{"failed":[],"successful":[]}`)
	})
	err := p.Publish(t.Context(), "/jobs/a", numbered(12))
	var pe *PublishError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v, want a *PublishError", err)
	}
	want := []FailedEvent{{Index: 6, Identifier: "b", Code: "EventTooLargeException", Message: "Transformed event is larger than 240KB"}}
	if pe.Channel != "/jobs/a" || !reflect.DeepEqual(pe.Failed, want) {
		t.Errorf("got %+v, want channel /jobs/a and %+v", pe, want)
	}
	if !strings.Contains(err.Error(), "event 6: EventTooLargeException: Transformed event") {
		t.Errorf("message %q does not name the failed event", err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3: the other batches are sent and nothing is re-sent", n)
	}
}

func TestPublishRetriesServerErrorsAndThrottling(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			p, f := setupPublisher(t, APIKey("k"), func(n int, w http.ResponseWriter) {
				if n <= 2 {
					status(code, `{"errors":[{"errorType":"Busy","message":"try again"}]}`)(n, w)
					return
				}
				fmt.Fprint(w, `{"failed":[],"successful":[]}`)
			})
			p.baseDelay = time.Nanosecond
			if err := p.Publish(t.Context(), "/jobs/a", numbered(3)); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 3 {
				t.Fatalf("%d requests, want 3", len(reqs))
			}
			for _, r := range reqs[1:] {
				if string(r.body) != string(reqs[0].body) {
					t.Errorf("retry sent %s, want %s", r.body, reqs[0].body)
				}
			}
		})
	}
}

func TestPublishBacksOffExponentiallyThenGivesUp(t *testing.T) {
	t.Parallel()
	p, f := setupPublisher(t, APIKey("k"), status(http.StatusInternalServerError,
		`{"errors":[{"errorType":"InternalFailure","message":"boom"}]}`))
	var ceilings []time.Duration
	p.jitter = func(d time.Duration) time.Duration { ceilings = append(ceilings, d); return 0 }
	err := p.Publish(t.Context(), "/jobs/a", numbered(1))
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 500 || ae.Type != "InternalFailure" || ae.Message != "boom" {
		t.Fatalf("error %v, want AppSync's InternalFailure with HTTP 500", err)
	}
	if n := len(f.requests()); n != 4 {
		t.Errorf("%d requests, want the default 4 attempts", n)
	}
	if want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}; !reflect.DeepEqual(ceilings, want) {
		t.Errorf("backoff ceilings %v, want %v", ceilings, want)
	}
}

func TestPublishDoesNotRetryClientErrors(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		respond      func(int, http.ResponseWriter)
		want         Error
		unauthorized bool
	}{
		"400": {
			respond: status(400, `{"errors":[{"errorType":"BadRequestException","message":"Invalid channel"}]}`),
			want:    Error{Status: 400, Type: "BadRequestException", Message: "Invalid channel"},
		},
		"401": {
			respond:      status(401, `{"errors":[{"errorType":"UnauthorizedException","message":"You are not authorized to make this call."}]}`),
			want:         Error{Status: 401, Type: "UnauthorizedException", Message: "You are not authorized to make this call."},
			unauthorized: true,
		},
		"403 with the header only": {
			respond: func(_ int, w http.ResponseWriter) {
				w.Header().Set("x-amzn-ErrorType", "ForbiddenException:http://internal.amazon.com/coral/")
				w.WriteHeader(403)
			},
			want:         Error{Status: 403, Type: "ForbiddenException", Message: "Forbidden"},
			unauthorized: true,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, f := setupPublisher(t, APIKey("k"), tc.respond)
			err := p.Publish(t.Context(), "/jobs/a", numbered(12))
			var ae *Error
			if !errors.As(err, &ae) || *ae != tc.want {
				t.Fatalf("error %v, want %+v", err, tc.want)
			}
			if errors.Is(err, ErrUnauthorized) != tc.unauthorized {
				t.Errorf("errors.Is(%v, ErrUnauthorized) = %v", err, !tc.unauthorized)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1: no retry and no further batch", n)
			}
		})
	}
}

func TestPublishStopsWhenCancelledDuringBackoff(t *testing.T) {
	t.Parallel()
	p, f := setupPublisher(t, APIKey("k"), status(http.StatusInternalServerError, `{"errors":[{"errorType":"InternalFailure"}]}`))
	ctx, cancel := context.WithCancel(t.Context())
	p.baseDelay = time.Hour
	p.jitter = func(d time.Duration) time.Duration { cancel(); return d } // cancelled as the backoff starts
	err := p.Publish(ctx, "/jobs/a", numbered(1))
	var ae *Error
	if !errors.Is(err, context.Canceled) || !errors.As(err, &ae) || ae.Status != 500 {
		t.Errorf("error %v, want context.Canceled with the last attempt's error", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
