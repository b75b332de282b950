package appsync

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
)

func TestRealtimeURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ endpoint, realtime, want string }{
		{"https://abc.appsync-api.eu-west-1.amazonaws.com/event", "", "wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime"},
		{"abc.appsync-api.eu-west-1.amazonaws.com", "", "wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime"},
		{"https://events.example.com/event", "", "wss://events.example.com/event/realtime"},
		{"https://localhost:8443/event/", "", "wss://localhost:8443/event/realtime"},
		{"http://127.0.0.1:9000/event", "", "ws://127.0.0.1:9000/event/realtime"},
		{"https://abc.appsync-api.eu-west-1.amazonaws.com/event", "xyz.appsync-realtime-api.eu-west-1.amazonaws.com",
			"wss://xyz.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime"},
		{"https://h/event", "wss://rt.example.com/event/realtime", "wss://rt.example.com/event/realtime"},
	} {
		u, err := endpointURL(tc.endpoint, "https", "/event")
		if err != nil {
			t.Fatal(err)
		}
		got, err := realtimeURL(tc.realtime, u)
		if err != nil || got != tc.want {
			t.Errorf("realtimeURL(%q, %q) = %q, %v; want %q", tc.realtime, tc.endpoint, got, err, tc.want)
		}
	}
	if _, err := realtimeURL("", &url.URL{Scheme: "ftp", Host: "h"}); err == nil {
		t.Error("an ftp endpoint was accepted")
	}
}

func TestDecodeEvents(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		`"{\"a\":1}"`:           `[{"a":1}]`,
		`["{\"a\":1}","42"]`:    `[{"a":1} 42]`, // the array of one example in AWS's docs
		`"not json"`:            `[]`,
		`{"a":1}`:               `[]`,
		`["{\"a\":1}","{oops"]`: `[{"a":1}]`,
	} {
		if got := fmt.Sprint(strs(decodeEvents(json.RawMessage(raw)))); got != want {
			t.Errorf("decodeEvents(%s) = %s, want %s", raw, got, want)
		}
	}
}
