// Package push publishes job changes to AppSync Events channels: the event
// shape, the channel names and rules, the Publisher port that the AppSync
// client and jobsd's local endpoint implement, and a Notifier that publishes
// in the background so that a job never waits for its subscribers.
package push

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Limits of AppSync Events.
const (
	MaxEventsPerPublish = 5
	MaxEventBytes       = 240 * 1024
	MaxSubscriptions    = 200 // per connection
)

// DefaultNamespace is the channel namespace of job events.
const DefaultNamespace = "jobs"

// Publisher sends events, each one JSON document, to a channel.
type Publisher interface {
	Publish(ctx context.Context, channel string, events []json.RawMessage) error
}

// validChannel reports whether c is 1 to 5 segments separated by "/", with
// an optional leading and trailing "/"; a segment is 1 to 50 of
// [A-Za-z0-9-], not starting or ending with "-". It is written out rather
// than a regular expression, which cost a hundred times more: it runs for
// every event published.
func validChannel(c string) bool {
	c = strings.TrimSuffix(strings.TrimPrefix(c, "/"), "/")
	n := 0
	for seg := range strings.SplitSeq(c, "/") {
		if n++; n > 5 || !ValidSegment(seg) {
			return false
		}
	}
	return true
}

// ValidSegment reports whether s can be one segment of a channel: 1 to 50 of
// [A-Za-z0-9-], not starting or ending with "-". A job id is one (its
// channel is /jobs/<id>), so the API checks ids with it too.
func ValidSegment(s string) bool {
	if len(s) == 0 || len(s) > 50 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// NormalizeChannel checks a channel name against AppSync's rules and returns
// it with one leading slash and no trailing one. With wildcard, a last
// segment "*" is allowed, as on subscribe.
func NormalizeChannel(channel string, wildcard bool) (string, error) {
	c := channel
	if wildcard {
		if base, ok := strings.CutSuffix(strings.TrimSuffix(c, "/"), "/*"); ok {
			// base keeps its leading '/', if any, but may not end in one: "/jobs//*" has an empty segment.
			if strings.HasSuffix(base, "/") || !validChannel(base) || strings.Count(strings.Trim(base, "/"), "/") >= 4 {
				return "", fmt.Errorf("channel %q is not valid: a wildcard may only follow 1 to 4 segments", channel)
			}
			return "/" + strings.Trim(base, "/") + "/*", nil
		}
	}
	if !validChannel(c) {
		return "", fmt.Errorf("channel %q is not valid: 1 to 5 segments of 1 to 50 letters, digits or '-' (not at either end), separated by '/'", channel)
	}
	if strings.HasPrefix(c, "/") && !strings.HasSuffix(c, "/") {
		return c, nil // normalised already, as JobChannel's are: no copy
	}
	return "/" + strings.Trim(c, "/"), nil
}

// ValidNamespace reports whether ns can be the namespace of job channels:
// one channel segment, with an optional leading and trailing "/".
func ValidNamespace(ns string) bool {
	return ValidSegment(strings.TrimSuffix(strings.TrimPrefix(ns, "/"), "/"))
}

// Namespace is the first segment of a normalised channel.
func Namespace(channel string) string {
	ns, _, _ := strings.Cut(strings.TrimPrefix(channel, "/"), "/")
	return ns
}

// JobChannel is the channel of one job's events.
func JobChannel(namespace, jobID string) string { return "/" + namespace + "/" + jobID }
