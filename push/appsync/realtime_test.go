package appsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/coder/websocket"
)

// receive reads n events from s, failing the test if Events closes first.
func receive(t *testing.T, s *Subscription, n int) []string {
	t.Helper()
	var got []string
	for range n {
		e, ok := <-s.Events()
		if !ok {
			t.Fatalf("events closed after %d of %d: %v", len(got), n, s.Err())
		}
		got = append(got, string(e))
	}
	return got
}

// drain reads s until Events closes and returns what it read.
func drain(s *Subscription) []string {
	var got []string
	for e := range s.Events() {
		got = append(got, string(e))
	}
	return got
}

func strs(events []json.RawMessage) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = string(e)
	}
	return out
}

func TestRealtimeSubscribeAndReceiveInOrder(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, apiKeyAuth("da2-key"))
	c, err := f.dial(t, APIKey("da2-key"), ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.Subscribe(t.Context(), "jobs/*")
	if err != nil {
		t.Fatal(err)
	}
	one, err := c.Subscribe(t.Context(), "/jobs/a/")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.channels(); fmt.Sprint(got) != "[/jobs/* /jobs/a]" {
		t.Errorf("subscribed to %v, want the normalised channels", got)
	}
	events := numbered(7)
	f.deliver("/jobs/a", events...)
	other := json.RawMessage(`"a string"`)
	f.deliver("/jobs/b", other)
	if got, want := receive(t, one, 7), strs(events); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("/jobs/a received %v, want %v", got, want)
	}
	if got, want := receive(t, all, 8), append(strs(events), string(other)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("/jobs/* received %v, want %v", got, want)
	}
	if err := one.Close(); err != nil {
		t.Fatal(err)
	}
	if ch := <-f.unsubscribed; ch != "/jobs/a" {
		t.Errorf("unsubscribed %s, want /jobs/a", ch)
	}
	if rest := drain(one); len(rest) != 0 || one.Err() != nil {
		t.Errorf("after Close: events %v, err %v; want none and nil", rest, one.Err())
	}
}

func TestRealtimeWithIAM(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, iamAuth)
	provider := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return sessionCreds, nil })
	c, err := f.dial(t, IAM(provider, testRegion), ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Subscribe(t.Context(), "/jobs/a")
	if err != nil {
		t.Fatal(err)
	}
	event := json.RawMessage(`{"status":"Success","note":"<&>"}`)
	f.deliver("/jobs/a", event)
	if got := receive(t, s, 1); got[0] != string(event) {
		t.Errorf("received %s, want %s", got[0], event)
	}
}

func TestRealtimeRefusesAWrongKey(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, apiKeyAuth("da2-key"))
	_, err := f.dial(t, APIKey("da2-wrong"), ClientConfig{})
	var ae *Error
	if !errors.Is(err, ErrUnauthorized) || !errors.As(err, &ae) || ae.Type != "UnauthorizedException" || ae.Code != 401 {
		t.Errorf("error %v, want a connection_error matching ErrUnauthorized", err)
	}
}

func TestRealtimeDialChecksTheHandshake(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		handler      http.HandlerFunc
		want         string
		unauthorized bool
	}{
		"refused upgrade": {
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"errors":[{"errorType":"UnauthorizedException","message":"no"}]}`)
			},
			want: "UnauthorizedException: no", unauthorized: true,
		},
		"no subprotocol selected": {
			handler: func(w http.ResponseWriter, r *http.Request) {
				if ws, err := websocket.Accept(w, r, nil); err == nil {
					ws.Read(context.Background())
				}
			},
			want: "did not select subprotocol aws-appsync-event-ws",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewTLSServer(tc.handler)
			t.Cleanup(srv.Close)
			_, err := Dial(t.Context(), ClientConfig{Endpoint: srv.URL + "/event", Auth: APIKey("k"), HTTPClient: srv.Client()})
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, ErrUnauthorized) != tc.unauthorized {
				t.Errorf("error %v, want one with %q (unauthorized %v)", err, tc.want, tc.unauthorized)
			}
		})
	}
}

func TestRealtimeSurfacesSubscribeErrors(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, apiKeyAuth("k"))
	c, err := f.dial(t, APIKey("k"), ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Subscribe(t.Context(), "/private/x")
	var ae *Error
	if !errors.As(err, &ae) || ae.Type != "UnauthorizedException" || !strings.Contains(ae.Message, "subscribe to /private/x") ||
		!errors.Is(err, ErrUnauthorized) {
		t.Errorf("subscribe error %v, want the subscribe_error's type and message", err)
	}
	if _, err := c.Subscribe(t.Context(), "/jobs/x"); err != nil {
		t.Errorf("the connection should still serve: %v", err)
	}
}

func TestRealtimeCloseEndsEverything(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, apiKeyAuth("k"))
	c, err := f.dial(t, APIKey("k"), ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Subscribe(t.Context(), "/jobs/x")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if rest := drain(s); len(rest) != 0 || !errors.Is(s.Err(), ErrClosed) {
		t.Errorf("events %v, err %v; want none and ErrClosed", rest, s.Err())
	}
	<-c.Done()
	if !errors.Is(c.Err(), ErrClosed) {
		t.Errorf("conn error %v, want ErrClosed", c.Err())
	}
	if _, err := c.Subscribe(t.Context(), "/jobs/y"); !errors.Is(err, ErrClosed) {
		t.Errorf("subscribe after Close: %v, want ErrClosed", err)
	}
}

func TestRealtimeDropsASlowSubscriber(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, apiKeyAuth("k"))
	c, err := f.dial(t, APIKey("k"), ClientConfig{EventBuffer: 1})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Subscribe(t.Context(), "/jobs/x")
	if err != nil {
		t.Fatal(err)
	}
	events := numbered(3)
	f.deliver("/jobs/x", events...)
	if ch := <-f.unsubscribed; ch != "/jobs/x" {
		t.Errorf("unsubscribed %s, want /jobs/x", ch)
	}
	if got := drain(s); len(got) != 1 || got[0] != string(events[0]) || !errors.Is(s.Err(), ErrSlowConsumer) {
		t.Errorf("events %v, err %v; want the first event, then ErrSlowConsumer", got, s.Err())
	}
	if _, err := c.Subscribe(t.Context(), "/jobs/x"); err != nil {
		t.Errorf("the connection should still serve: %v", err)
	}
}

func TestRealtimeConnectionEndEndsSubscriptions(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		end  func(*fakeRealtime)
		want error
	}{
		"connection_error": {
			end: func(f *fakeRealtime) {
				f.broadcast(map[string]any{"type": "connection_error", "errors": []map[string]any{
					{"errorType": "UnauthorizedException", "errorCode": 401, "message": "key expired"}}})
			},
			want: ErrUnauthorized,
		},
		"connection lost": {end: (*fakeRealtime).dropAll},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFakeRealtime(t, apiKeyAuth("k"))
			c, err := f.dial(t, APIKey("k"), ClientConfig{})
			if err != nil {
				t.Fatal(err)
			}
			s, err := c.Subscribe(t.Context(), "/jobs/x")
			if err != nil {
				t.Fatal(err)
			}
			tc.end(f)
			drain(s)
			<-c.Done()
			if err := s.Err(); err == nil || errors.Is(err, ErrClosed) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("subscription error %v, want %v", err, tc.want)
			}
			if s.Err() != c.Err() {
				t.Errorf("subscription error %v, connection error %v: want the same", s.Err(), c.Err())
			}
		})
	}
}

func TestRealtimeKeepAliveTimeout(t *testing.T) {
	t.Parallel()
	f := newFakeRealtime(t, apiKeyAuth("k"))
	f.timeoutMs, f.noKA = 1, true
	c, err := f.dial(t, APIKey("k"), ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if !errors.Is(c.Err(), ErrKeepAliveTimeout) {
		t.Errorf("error %v, want ErrKeepAliveTimeout", c.Err())
	}
	if _, err := c.Subscribe(t.Context(), "/jobs/x"); !errors.Is(err, ErrKeepAliveTimeout) {
		t.Errorf("subscribe on a dead connection: %v", err)
	}
}
