package handlers

import (
	"encoding/json"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// parseEnvelope reads the common bodies of POST /jobs without decoding them
// into a map: an envelope whose members are "type", a string of printable
// ASCII without escapes, and optionally "parameters", an object, each once.
// It reports false for any other body, valid or not, which parseSubmit then
// reads in full; what it accepts, parseSubmit would accept the same way.
func parseEnvelope(body []byte) (jobs.SubmitRequest, bool) {
	s := envelopeScanner{b: body}
	var typ, params []byte
	if s.space(); !s.next('{') {
		return jobs.SubmitRequest{}, false
	}
	for {
		s.space()
		name, ok := s.plainString()
		if s.space(); !ok || !s.next(':') {
			return jobs.SubmitRequest{}, false
		}
		s.space()
		switch {
		case string(name) == "type" && typ == nil:
			typ, ok = s.plainString()
		case string(name) == "parameters" && params == nil:
			params, ok = s.object()
		default:
			ok = false
		}
		if s.space(); !ok {
			return jobs.SubmitRequest{}, false
		}
		if s.next('}') {
			break
		}
		if !s.next(',') {
			return jobs.SubmitRequest{}, false
		}
	}
	if s.space(); s.i != len(s.b) || typ == nil || params != nil && !json.Valid(params) {
		return jobs.SubmitRequest{}, false
	}
	if params == nil {
		params = []byte("{}")
	}
	return jobs.SubmitRequest{Type: string(typ), Parameters: params}, true
}

// envelopeScanner walks a body for parseEnvelope.
type envelopeScanner struct {
	b []byte
	i int
}

// space skips JSON's white space.
func (s *envelopeScanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// next consumes c if it comes next.
func (s *envelopeScanner) next(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// plainString consumes a string of printable ASCII without escapes and
// returns what is between its quotes, never nil.
func (s *envelopeScanner) plainString() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1 : s.i-1], true
		case c < 0x20 || c > 0x7e || c == '\\':
			return nil, false
		}
	}
	return nil, false
}

// object consumes a value that starts with '{' up to its matching '}',
// minding strings; whether it is valid JSON is left to the caller.
func (s *envelopeScanner) object() ([]byte, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return nil, false
	}
	start, depth, inString := s.i, 0, false
	for ; s.i < len(s.b); s.i++ {
		c := s.b[s.i]
		switch {
		case inString && c == '\\':
			s.i++ // the escaped byte cannot end the string
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				s.i++
				return s.b[start:s.i], true
			}
		}
	}
	return nil, false
}
