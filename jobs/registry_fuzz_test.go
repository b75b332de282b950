package jobs_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
)

// fieldsOf are the parameter names of each shipped type.
var fieldsOf = map[string][]string{
	jobtypes.Sleep:    {"seconds"},
	jobtypes.FullName: {"name", "surname"},
	jobtypes.Order:    {"orderId", "items"},
	jobtypes.Noop:     {},
}

// knownRules are the rules a FieldError may name: decodeStrict's and the
// validate tags of the shipped types.
var knownRules = []string{"json", "type", "unknown", "required", "min", "max", "oneof"}

// FuzzRegistryParameters feeds arbitrary bytes as the parameters of each
// shipped job type (and of an unknown type) to Registry.Parameters, the
// decoding (decodeStrict) and validation every submission goes through. It
// asserts that
//   - a refusal is always a *jobs.ValidationError with at least one field
//     error, each with a known rule and a message; an "unknown" field is a
//     member the object really has; a field rule names a field of the type;
//     an unknown type is refused on "type" with rule "oneof";
//   - an accepted body yields canonical parameters that are one JSON
//     object, that are a fixed point (Parameters of them gives them back:
//     what is stored re-validates and round-trips), and that hold exactly
//     the values of the body;
//   - for every body that is one JSON object with distinct, exactly named
//     members, acceptance agrees with a hand-written reading of the type's
//     rules (required, min, max, integer, string) — so nothing invalid is
//     accepted and nothing valid refused.
func FuzzRegistryParameters(f *testing.F) {
	reg, err := jobtypes.New(jobtypes.DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	names := append(reg.Names(), "no-such-type")
	seeds := map[string][]string{
		jobtypes.Noop: {`{}`, `{"x":1}`, ` {} `, "\t\r\n{}\n", "\u00a0{}", "\v{}", `{}x`, `{} {}`, `null`, `[]`},
		jobtypes.FullName: {`{"name":"Ada","surname":"Lovelace"}`, `{"name":"Ada"}`, `{"name":"","surname":"x"}`,
			`{"name":null,"surname":"x"}`, `{"name":"` + strings.Repeat("é", 201) + `","surname":"x"}`},
		jobtypes.Order: {`{"orderId":"o-1"}`, `{"orderId":"o-1","items":2}`, `{"orderId":"o","items":0}`,
			`{"orderId":"o","items":1001}`, `{"items":2}`, `{"orderId":"o","items":null}`, `{"orderId":7}`},
		jobtypes.Sleep: {`{"seconds":1}`, `{"seconds":0}`, `{"seconds":-4}`, `{"seconds":"x"}`, `{"seconds":1.5}`,
			`{"seconds":1e3}`, `{"seconds":-0}`, `{"seconds":null}`, `{"seconds":1,"minutes":2}`, `{"seconds":`,
			`{"Seconds":3}`, `{"seconds":1,"seconds":2}`, `{"seconds":99999999999999999999}`, `{"a\"b":1}`,
			"{\"\xff\":1}", `"x"`, ``},
		"no-such-type": {`{}`},
	}
	for typ, bodies := range seeds {
		for _, body := range bodies {
			f.Add(uint8(slices.Index(names, typ)), []byte(body))
		}
	}
	f.Fuzz(func(t *testing.T, typ uint8, raw []byte) {
		name := names[int(typ)%len(names)]
		canonical, err := reg.Parameters(name, raw)
		want, known := paramRules(name, raw)
		if err != nil {
			checkRefusal(t, name, raw, err)
			if known && want != nil {
				t.Fatalf("%s %q: refused (%v), but the body is valid", name, raw, err)
			}
			return
		}
		if _, ok := fieldsOf[name]; !ok {
			t.Fatalf("type %q is not registered, yet %q was accepted", name, raw)
		}
		if known && want == nil {
			t.Fatalf("%s %q: accepted as %s, but the body breaks the type's rules", name, raw, canonical)
		}
		again, err := reg.Parameters(name, canonical)
		if err != nil || !bytes.Equal(again, canonical) {
			t.Fatalf("%s: canonical %s does not round-trip: %s, %v", name, canonical, again, err)
		}
		got, ok := objectMembers(canonical)
		if !ok {
			t.Fatalf("%s: canonical %s is not one JSON object with distinct members", name, canonical)
		}
		if known && !reflect.DeepEqual(normalised(got), want) {
			t.Fatalf("%s %q: canonical %s holds %v, want %v", name, raw, canonical, normalised(got), want)
		}
	})
}

// checkRefusal asserts the shape of a refusal.
func checkRefusal(t *testing.T, name string, raw []byte, err error) {
	t.Helper()
	var verr *jobs.ValidationError
	if !errors.As(err, &verr) || len(verr.Fields) == 0 {
		t.Fatalf("%s %q: %T %v, want a *jobs.ValidationError with fields", name, raw, err, err)
	}
	fields, registered := fieldsOf[name]
	if !registered {
		if fe := verr.Fields[0]; len(verr.Fields) != 1 || fe.Field != "type" || fe.Rule != "oneof" {
			t.Fatalf("unknown type %q: %+v, want one error on type, rule oneof", name, verr.Fields)
		}
		return
	}
	// The first JSON value of raw, as decodeStrict reads it.
	var members map[string]json.RawMessage
	_ = json.NewDecoder(bytes.NewReader(raw)).Decode(&members)
	for _, fe := range verr.Fields {
		if !slices.Contains(knownRules, fe.Rule) || fe.Message == "" {
			t.Fatalf("%s %q: field error %+v has an unknown rule or no message", name, raw, fe)
		}
		switch fe.Rule {
		case "unknown":
			if !hasMember(members, fe.Field) || slices.Contains(fields, fe.Field) {
				t.Fatalf("%s %q: unknown field %q is not a member of the body, or is a field of the type", name, raw, fe.Field)
			}
		case "required", "min", "max":
			if !slices.Contains(fields, fe.Field) {
				t.Fatalf("%s %q: rule %s names %q, not a field of the type", name, raw, fe.Rule, fe.Field)
			}
		case "type":
			if fe.Field != "" && !slices.Contains(fields, fe.Field) {
				t.Fatalf("%s %q: type error names %q, not a field of the type", name, raw, fe.Field)
			}
		}
	}
}

// paramRules reads raw by the documented rules of the type. known is false
// when raw is not one JSON object with distinct members named exactly as
// the type's fields (case-insensitive and repeated members are left to
// encoding/json); then want says nothing. Otherwise want is the parameters
// the type must keep (nil if it must refuse them).
func paramRules(name string, raw []byte) (want map[string]any, known bool) {
	fields, registered := fieldsOf[name]
	members, ok := objectMembers(raw)
	if !registered || !ok {
		return nil, false
	}
	for k := range members {
		if !slices.Contains(fields, k) {
			return nil, false
		}
	}
	want = map[string]any{}
	str := func(k string, maxRunes int) bool {
		switch v := members[k].(type) {
		case nil: // null leaves a string empty
			return false
		case string:
			want[k] = v
			return v != "" && utf8.RuneCountInString(v) <= maxRunes
		default:
			return false
		}
	}
	integer := func(k string) (int64, bool) {
		v, ok := members[k].(json.Number)
		if !ok {
			return 0, false
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		return n, err == nil
	}
	valid := true
	switch name {
	case jobtypes.Sleep:
		n, ok := integer("seconds")
		valid = ok && n >= 1
		want["seconds"] = n
	case jobtypes.FullName:
		valid = str("name", 200)
		valid = str("surname", 200) && valid
	case jobtypes.Order:
		valid = str("orderId", 100)
		if v, present := members["items"]; present && v != nil {
			n, ok := integer("items")
			valid = valid && ok && (n == 0 || n >= 1 && n <= 1000)
			if n != 0 {
				want["items"] = n
			}
		}
	}
	if !valid {
		return nil, true
	}
	return want, true
}

// objectMembers decodes raw if it is exactly one JSON object whose member
// names are distinct, numbers kept as json.Number.
func objectMembers(raw []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	members := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		if _, dup := members[key]; dup {
			return nil, false
		}
		members[key] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return members, true
}

// normalised turns the numbers of canonical parameters into int64, as
// paramRules keeps them.
func normalised(m map[string]any) map[string]any {
	out := maps.Clone(m)
	for k, v := range out {
		if n, ok := v.(json.Number); ok {
			i, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil {
				return m
			}
			out[k] = i
		}
	}
	return out
}

// hasMember reports whether field names a member of members.
func hasMember(members map[string]json.RawMessage, field string) bool {
	_, ok := members[field]
	return ok
}

// TestParametersEmptyObject pins what an empty object decodes to without a
// decoder: JSON's whitespace around it is fine, other white space is not JSON.
func TestParametersEmptyObject(t *testing.T) {
	t.Parallel()
	reg, err := jobtypes.New(jobtypes.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{`{}`, " \t\r\n{}\n"} {
		if got, err := reg.Parameters(jobtypes.Noop, json.RawMessage(raw)); err != nil || string(got) != `{}` {
			t.Errorf("noop %q: %s, %v; want {}", raw, got, err)
		}
	}
	for _, raw := range []string{"\u00a0{}", "\v{}", "{}\f", "\u0085{}"} {
		if got, err := reg.Parameters(jobtypes.Noop, json.RawMessage(raw)); err == nil {
			t.Errorf("noop %q: accepted as %s, but it is not JSON", raw, got)
		}
	}
	if _, err := reg.Parameters(jobtypes.FullName, json.RawMessage(`{}`)); err == nil {
		t.Error("fullname {}: accepted without its required fields")
	}
}
