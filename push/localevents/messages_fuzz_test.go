package localevents

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/push"
)

const fuzzKey = "da2-fuzzkey"

// serverTypes are the message types a server may send a client.
var serverTypes = []string{
	"connection_ack", "ka", "error", "subscribe_success", "subscribe_error", "data",
	"unsubscribe_success", "unsubscribe_error", "publish_success", "publish_error",
}

// errorTypes are the errorType values the realtime endpoint uses.
var errorTypes = []string{
	errBadRequest, errUnauthorized, errUnsupported, errDuplicatedOperation, errUnknownOperation, errMaxSubscriptions,
}

// FuzzClientMessages hands two arbitrary client messages, one after the
// other, to the decoder of one authorised connection (conn.handle) and
// checks every message it queues against a model of the protocol in
// shared/reference/appsync-events.md. It asserts that
//   - nothing panics, and every queued message is one JSON object of a
//     documented server type; error messages carry at least one error of a
//     known errorType with a message;
//   - connection_ack then ka come first, once, before the first reply;
//   - a message that is not JSON gets one "error" (BadRequestException); an
//     unknown type one "error" (UnsupportedOperation), echoing the id;
//     connection_init gets nothing;
//   - subscribe, unsubscribe and publish get exactly one reply of their own
//     kind, echoing the id, and succeed exactly when the model says so
//     (id pattern, authorization, channel rules, namespace, the job
//     namespace's rules, duplicate and unknown ids, 1 to 5 events that are
//     strings holding JSON);
//   - publish_success lists each event index once, and each subscription
//     of the connection whose channel matches gets one data message per
//     published event, in order, whose event is the JSON text published.
func FuzzClientMessages(f *testing.F) {
	for _, seed := range [][2]string{
		{`{"type":"connection_init"}`, `{"type":"subscribe","id":"s1","channel":"/jobs/abc"}`},
		{`{"type":"subscribe","id":"s1","channel":"/open/*"}`, `{"type":"publish","id":"p1","channel":"/open/abc","events":["{\"a\":1}","\"s\"","42"]}`},
		{`{"type":"subscribe","id":"s1","channel":"open/abc/"}`, `{"type":"publish","id":"p1","channel":"/open/abc","events":["{}"]}`},
		{`{"type":"subscribe","id":"s1","channel":"/jobs/*"}`, `{"type":"subscribe","id":"s2","channel":"/jobs/a/b"}`},
		{`{"type":"subscribe","id":"s1","channel":"jobs/abc/"}`, `{"type":"publish","id":"p1","channel":"/jobs/abc","events":["{}"]}`},
		{`{"type":"subscribe","id":"s1","channel":"/jobs/abc"}`, `{"type":"unsubscribe","id":"s1"}`},
		{`{"type":"subscribe","id":"s1","channel":"/jobs/abc"}`, `{"type":"subscribe","id":"s1","channel":"/jobs/def"}`},
		{`{"type":"unsubscribe","id":"nope"}`, `{"type":"ka"}`},
		{`{"type":"subscribe","id":"bad id","channel":"/jobs/a"}`, `{"type":"subscribe","id":"s","channel":"/nope/a"}`},
		{`{"type":"subscribe","id":"s","channel":"/jobs/a","authorization":{"x-api-key":"wrong","host":"h"}}`,
			`{"type":"subscribe","id":"t","channel":"/jobs/a","authorization":{"X-Api-Key":"` + fuzzKey + `"}}`},
		{`{"type":"publish","id":"p","channel":"/open/*","events":["{}"]}`, `{"type":"publish","id":"p","channel":"/open/a","events":[]}`},
		{`{"type":"publish","id":"p","channel":"/open/a","events":["{}","{}","{}","{}","{}","{}"]}`, `{"type":"publish","id":"p","channel":"/open/a","events":[1]}`},
		{`{"type":"publish","id":"p","channel":"/open/a","events":["not json"]}`, `{"type":"publish","id":"p","channel":"/open/a","events":"x"}`},
		{`not json`, `[]`}, {`null`, `{"type":null}`}, {`{"type":"start","id":"x"}`, `{"TYPE":"subscribe","ID":"s","Channel":"/jobs/a"}`},
		{`{"type":"subscribe","id":"s","channel":"/jobs/a","payload":{"data":"{}"}}`, `{"type":"connection_init"}`},
		{`{"type":"subscribe","id":"s","channel":"/jobs/a","authorization":{"x-api-key":"` + fuzzKey + `","X-API-KEY":"wrong"}}`, `{}`},
	} {
		f.Add([]byte(seed[0]), []byte(seed[1]))
	}
	f.Fuzz(func(t *testing.T, first, second []byte) {
		s := New(Config{APIKeys: []string{fuzzKey}, JobNamespaces: []string{"jobs"}, OpenNamespaces: []string{"open", "other"}, Logger: slog.New(slog.DiscardHandler)})
		c := newConn(s, nil, nil, "fuzz", AuthAPIKey)
		defer s.broker.removeConn(c)
		m := &protocolModel{subs: map[string]string{}}
		for i, data := range [][]byte{first, second} {
			out := handled(c, data)
			if i == 0 {
				if len(out) < 2 || out[0].raw != string(s.ack) || out[1].Type != "ka" {
					t.Fatalf("the first message did not get connection_ack then ka first: %v", out)
				}
				out = out[2:]
			}
			if err := m.check(data, out); err != nil {
				t.Fatalf("message %d %q: %v\nreplies: %v", i+1, data, err, out)
			}
		}
	})
}

// handled runs conn.handle on data and returns what it queued, decoded.
func handled(c *conn, data []byte) []wire {
	c.handle(data)
	c.mu.Lock()
	queued := c.queue
	c.queue = nil
	c.mu.Unlock()
	var out []wire
	for _, b := range queued {
		m := wire{raw: string(b)}
		if json.Unmarshal(b, &m) != nil {
			m.Type = "<not a JSON object>"
		}
		out = append(out, m)
	}
	return out
}

// protocolModel is what a client knows of its connection: its subscriptions.
type protocolModel struct {
	subs map[string]string // id → normalised channel
}

// check compares the replies to one client message with the protocol.
func (p *protocolModel) check(data []byte, out []wire) error {
	for _, o := range out {
		if !slices.Contains(serverTypes, o.Type) {
			return fmt.Errorf("undocumented message %s", o.raw)
		}
		if strings.HasSuffix(o.Type, "error") {
			if len(o.Errors) == 0 {
				return fmt.Errorf("%s without errors", o.raw)
			}
			for _, e := range o.Errors {
				if !slices.Contains(errorTypes, e.ErrorType) || e.Message == "" {
					return fmt.Errorf("%s: unknown errorType or no message", o.raw)
				}
			}
		}
	}
	var in inbound
	if err := json.Unmarshal(data, &in); err != nil {
		return oneReply(out, "error", "", errBadRequest)
	}
	switch in.Type {
	case "connection_init":
		if len(out) != 0 {
			return fmt.Errorf("connection_init got %d replies, want none", len(out))
		}
		return nil
	case "subscribe":
		ch, chErr := push.NormalizeChannel(in.Channel, true)
		why := refusal(in, ch, chErr)
		if why == "" && push.Namespace(ch) == "jobs" && (strings.Count(ch, "/") != 2 || strings.HasSuffix(ch, "/*")) {
			why = errUnauthorized // a job namespace: one job's channel only
		}
		if _, dup := p.subs[in.ID]; why == "" && dup {
			why = errDuplicatedOperation
		}
		if why != "" {
			return oneReply(out, "subscribe_error", in.ID, why)
		}
		p.subs[in.ID] = ch
		return oneReply(out, "subscribe_success", in.ID, "")
	case "unsubscribe":
		if _, ok := p.subs[in.ID]; !ok {
			return oneReply(out, "unsubscribe_error", in.ID, errUnknownOperation)
		}
		delete(p.subs, in.ID)
		return oneReply(out, "unsubscribe_success", in.ID, "")
	case "publish":
		return p.checkPublish(in, out)
	default:
		return oneReply(out, "error", in.ID, errUnsupported)
	}
}

// refusal is the errorType a subscribe or publish must be refused with
// before its events are looked at, or "".
func refusal(in inbound, ch string, chErr error) string {
	switch {
	case !validID(in.ID):
		return errBadRequest
	case !authorized(in.Authorization):
		return errUnauthorized
	case chErr != nil, !slices.Contains([]string{"jobs", "open", "other"}, push.Namespace(ch)):
		return errBadRequest
	}
	return ""
}

func (p *protocolModel) checkPublish(in inbound, out []wire) error {
	ch, chErr := push.NormalizeChannel(in.Channel, false)
	why := refusal(in, ch, chErr)
	if why == "" && push.Namespace(ch) == "jobs" {
		why = errUnauthorized // only the system publishes to a job namespace
	}
	var texts []string
	if why == "" {
		var events []json.RawMessage
		if json.Unmarshal(in.Events, &events) != nil || len(events) < 1 || len(events) > push.MaxEventsPerPublish {
			why = errBadRequest
		}
		for _, raw := range events {
			var text string
			if json.Unmarshal(raw, &text) != nil || !json.Valid([]byte(text)) {
				why = errBadRequest
			}
			texts = append(texts, text)
		}
	}
	if why != "" {
		return oneReply(out, "publish_error", in.ID, why)
	}
	if len(out) == 0 {
		return fmt.Errorf("publish got no reply")
	}
	if err := oneReply(out[len(out)-1:], "publish_success", in.ID, ""); err != nil {
		return err
	}
	res := out[len(out)-1]
	seen := make([]bool, len(texts))
	for _, ok := range res.Successful {
		if ok.Index < 0 || ok.Index >= len(texts) || seen[ok.Index] || ok.Identifier == "" {
			return fmt.Errorf("publish_success %s: index out of range, repeated, or without identifier", res.raw)
		}
		seen[ok.Index] = true
	}
	for _, failed := range res.Failed {
		if failed.Index < 0 || failed.Index >= len(texts) || seen[failed.Index] || len(texts[failed.Index]) <= push.MaxEventBytes {
			return fmt.Errorf("publish_success %s: a failed event out of range, repeated, or within the size limit", res.raw)
		}
		seen[failed.Index] = true
	}
	if slices.Contains(seen, false) {
		return fmt.Errorf("publish_success %s does not account for each of the %d events", res.raw, len(texts))
	}
	published := make([]string, 0, len(res.Successful))
	for _, ok := range res.Successful {
		published = append(published, texts[ok.Index])
	}
	got := map[string][]string{}
	for _, d := range out[:len(out)-1] {
		var ev string
		if d.Type != "data" || json.Unmarshal(d.Event, &ev) != nil || !json.Valid([]byte(ev)) {
			return fmt.Errorf("before publish_success: %s, want data whose event is a string holding JSON", d.raw)
		}
		got[d.ID] = append(got[d.ID], ev)
	}
	for id, sub := range p.subs {
		base, wildcard := strings.CutSuffix(sub, "/*")
		if sub == ch || wildcard && strings.HasPrefix(ch, base+"/") {
			if !slices.Equal(got[id], published) {
				return fmt.Errorf("subscription %s to %s got %q, want %q", id, sub, got[id], published)
			}
			delete(got, id)
		}
	}
	if len(got) > 0 {
		return fmt.Errorf("data for subscriptions that do not match %s: %v", ch, got)
	}
	return nil
}

// oneReply checks that out is one message of type typ for id; errorType,
// when set, is the errorType of its one error.
func oneReply(out []wire, typ, id, errorType string) error {
	if len(out) != 1 {
		return fmt.Errorf("%d replies, want one %s", len(out), typ)
	}
	o := out[0]
	if o.Type != typ || o.ID != id {
		return fmt.Errorf("reply %s, want %s for id %q", o.raw, typ, id)
	}
	if errorType != "" && (len(o.Errors) != 1 || o.Errors[0].ErrorType != errorType) {
		return fmt.Errorf("reply %s, want errorType %s", o.raw, errorType)
	}
	return nil
}

// validID is the documented id rule: ^[a-zA-Z0-9-_+]{1,128}$, written out.
func validID(id string) bool {
	if len(id) < 1 || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-_+", r)) {
			return false
		}
	}
	return true
}

// authorized is the rule for the authorization object of subscribe and
// publish: absent, null, or an object whose x-api-key (any case), if it has
// one, is a valid key.
func authorized(raw json.RawMessage) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return true
	}
	var auth map[string]any
	if json.Unmarshal(raw, &auth) != nil {
		return false
	}
	values := map[string]string{}
	for k, v := range auth {
		s, ok := v.(string)
		name := strings.ToLower(k)
		if prev, seen := values[name]; !ok || seen && prev != s {
			return false // not a string, or one header with two values
		}
		values[name] = s
	}
	if _, signed := values["authorization"]; signed {
		return false // the server has no IAM verifier
	}
	key, ok := values["x-api-key"]
	return !ok || key == fuzzKey
}
