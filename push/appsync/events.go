package appsync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/asyncjobs/asyncjobs/push"
)

// publishBody is the body of an HTTP publish and, for IAM, the payload that
// a realtime publish signs.
type publishBody struct {
	Channel string   `json:"channel"`
	Events  []string `json:"events"` // each one a JSON document as a string
}

// batch is up to push.MaxEventsPerPublish events, the first being
// events[offset] of a Publish.
type batch struct {
	offset int
	events []string
}

// prepare normalises channel and checks every event before anything is
// sent, then splits the events into batches.
func prepare(channel string, events []json.RawMessage) (string, []batch, error) {
	ch, err := push.NormalizeChannel(channel, false)
	if err != nil {
		return "", nil, fmt.Errorf("appsync: publish: %w", err)
	}
	for i, e := range events {
		if len(e) > push.MaxEventBytes {
			return "", nil, fmt.Errorf("%w: event %d is %d bytes, AppSync takes at most %d; nothing was sent",
				ErrEventTooLarge, i, len(e), push.MaxEventBytes)
		}
		if !json.Valid(e) {
			return "", nil, fmt.Errorf("appsync: publish to %s: event %d is not JSON; nothing was sent", ch, i)
		}
	}
	var batches []batch
	for start := 0; start < len(events); start += push.MaxEventsPerPublish {
		end := min(start+push.MaxEventsPerPublish, len(events))
		b := batch{offset: start, events: make([]string, 0, end-start)}
		for _, e := range events[start:end] {
			b.events = append(b.events, string(e))
		}
		batches = append(batches, b)
	}
	return ch, batches, nil
}

// encodeJSON encodes v as JavaScript's JSON.stringify does (no HTML
// escaping, no trailing newline), so that a server re-serialising a realtime
// payload to check its signature gets the same bytes.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// endpointURL parses an endpoint given as a URL or as a bare host (as in
// CloudFormation's Dns outputs), which gets scheme and path.
func endpointURL(s, scheme, path string) (*url.URL, error) {
	if s == "" {
		return nil, fmt.Errorf("appsync: no endpoint")
	}
	if !strings.Contains(s, "://") {
		s = scheme + "://" + s + path
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("appsync: endpoint: %w", err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("appsync: endpoint %q has no host", s)
	}
	return u, nil
}
