package handlers

import (
	"bytes"
	"testing"
)

// FuzzParseEnvelope checks that the fast path reads a body exactly as the
// full parse does whenever it takes it, and that it takes the common bodies.
func FuzzParseEnvelope(f *testing.F) {
	common := []string{`{"type":"noop"}`, ` { "type" : "noop" , "parameters" : { "a" : [1, {"b": "}\""}] } } `,
		`{"parameters":{"seconds":1},"type":"sleep"}`, `{"type":""}`, "{\"type\":\"noop\",\"parameters\":{}}\r\n"}
	for _, body := range common {
		if _, ok := parseEnvelope([]byte(body)); !ok {
			f.Errorf("%s: not taken by the fast path", body)
		}
		f.Add([]byte(body))
	}
	for _, body := range []string{`{"type":"noop","parameters":null}`, `{"type":"noop","parameters":[]}`, `{"type":"no\"op"}`,
		`{"type":"noop","type":"sleep"}`, `{"type":"noop","extra":1}`, `{"type":"noop",}`, `{"type":"noop"} {}`,
		`{"type":"noop","parameters":{]}`, `{"type":"noop","parameters":{"a":1}`, `{"parameters":{}}`, `{}`, ``,
		"{\"type\":\"n\xc3\xa9\"}", "\u00a0{\"type\":\"noop\"}", `{"type":7}`, `{"seconds":1}`} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := parseEnvelope(body)
		if !ok {
			return
		}
		full, err := parseMembers(body)
		if err != nil || fast.Type != full.Type || !bytes.Equal(fast.Parameters, full.Parameters) {
			t.Fatalf("%q: fast path %q %s, full parse %q %s %v", body, fast.Type, fast.Parameters, full.Type, full.Parameters, err)
		}
	})
}
