package jobjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// Append appends the public JSON of j to dst: the bytes the API answers and
// push sends. They are exactly what json.Marshal(From(j)) writes, without
// its reflection: the same fields in the same order, strings escaped alike
// (HTML-safe, U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD) and the raw
// JSON of parameters and results compacted alike.
func Append(dst []byte, j jobs.Job) []byte {
	dst = slices.Grow(dst, Size(j)) // at most one allocation, not one per doubling
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, j.ID)
	dst = append(dst, `,"type":`...)
	dst = appendString(dst, j.Type)
	dst = append(dst, `,"status":`...)
	dst = appendString(dst, string(j.Status))
	dst = append(dst, `,"parameters":`...)
	if j.Parameters == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendRaw(dst, j.ID, j.Parameters)
	}
	if len(j.Results) > 0 {
		dst = append(dst, `,"results":`...)
		dst = appendRaw(dst, j.ID, j.Results)
	}
	if j.Status == jobs.StatusFailure && j.Error != nil {
		dst = append(dst, `,"error":{"type":`...)
		dst = appendString(dst, j.Error.Type)
		dst = append(dst, `,"message":`...)
		dst = appendString(dst, j.Error.Message)
		dst = append(dst, `,"condition":`...)
		dst = appendString(dst, j.Error.Condition)
		dst = append(dst, '}')
	}
	if p := j.Progress; p != nil {
		dst = append(dst, `,"progress":{"step":`...)
		dst = appendString(dst, p.Step)
		dst = append(dst, `,"current":`...)
		dst = strconv.AppendInt(dst, int64(p.Current), 10)
		dst = append(dst, `,"total":`...)
		dst = strconv.AppendInt(dst, int64(p.Total), 10)
		dst = append(dst, '}')
	}
	dst = append(dst, `,"attempts":`...)
	dst = strconv.AppendInt(dst, int64(j.Attempts), 10)
	dst = appendTime(dst, `,"createdAt":`, j.CreatedAt, false)
	dst = appendTime(dst, `,"updatedAt":`, j.UpdatedAt, false)
	dst = appendTime(dst, `,"startedAt":`, j.StartedAt, true)
	dst = appendTime(dst, `,"finishedAt":`, j.FinishedAt, true)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, j.Seq, 10)
	dst = appendTime(dst, `,"expiresAt":`, j.ExpiresAt, false)
	return append(dst, '}')
}

// Size is how long Append's output for j is when no string needs escaping
// and no raw JSON needs compacting, or a little more: room to reserve.
func Size(j jobs.Job) int {
	const (
		members   = len(`{"id":"","type":"","status":"","parameters":,"attempts":,"createdAt":,"updatedAt":,"seq":,"expiresAt":}`)
		timestamp = len(`,"finishedAt":"2006-01-02T15:04:05.999999999Z"`)
		integer   = len("-9223372036854775808")
		results   = len(`,"results":`)
		failure   = len(`,"error":{"type":"","message":"","condition":""}`)
		progress  = len(`,"progress":{"step":"","current":,"total":}`) + 2*integer
	)
	n := members + 2*integer + len(j.ID) + len(j.Type) + len(j.Status) + max(len(j.Parameters), len("null"))
	for _, t := range [...]time.Time{j.CreatedAt, j.UpdatedAt, j.StartedAt, j.FinishedAt, j.ExpiresAt} {
		if !t.IsZero() {
			n += timestamp
		}
	}
	if len(j.Results) > 0 {
		n += results + len(j.Results)
	}
	if e := j.Error; e != nil {
		n += failure + len(e.Type) + len(e.Message) + len(e.Condition)
	}
	if p := j.Progress; p != nil {
		n += progress + len(p.Step)
	}
	return n
}

// appendTime appends the member name and t as timestamp writes it; the zero
// time is "" or, when omitEmpty, no member at all.
func appendTime(dst []byte, name string, t time.Time, omitEmpty bool) []byte {
	if t.IsZero() {
		if omitEmpty {
			return dst
		}
		return append(append(dst, name...), `""`...)
	}
	dst = append(append(dst, name...), '"')
	return append(appendTimestamp(dst, t.UTC()), '"')
}

// appendTimestamp appends t, which is in UTC, as t.AppendFormat(dst,
// timeLayout) does. Formatting by layout was most of the cost of encoding a
// job, so only years of other than four digits go that way.
func appendTimestamp(dst []byte, t time.Time) []byte {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, timeLayout)
	}
	hour, minute, second := t.Clock()
	dst = appendDigits(dst, year, 4)
	dst = appendDigits(append(dst, '-'), int(month), 2)
	dst = appendDigits(append(dst, '-'), day, 2)
	dst = appendDigits(append(dst, 'T'), hour, 2)
	dst = appendDigits(append(dst, ':'), minute, 2)
	dst = appendDigits(append(dst, ':'), second, 2)
	dst = appendDigits(append(dst, '.'), t.Nanosecond()/int(time.Millisecond), 3)
	return append(dst, 'Z')
}

// appendDigits appends n, which is not negative, as exactly width digits.
func appendDigits(dst []byte, n, width int) []byte {
	for i := width - 1; i >= 0; i-- {
		dst = append(dst, byte('0'+n/pow10[i]%10))
	}
	return dst
}

// pow10 are the powers of ten appendDigits needs.
var pow10 = [...]int{1, 10, 100, 1000}

// appendRaw appends raw JSON as encoding/json writes a json.RawMessage:
// compacted, with <, >, &, U+2028 and U+2029 escaped. The domain stores
// canonical JSON, which is mostly written as it is; JSON that is not valid
// is a broken invariant, as it makes json.Marshal fail.
func appendRaw(dst []byte, id string, raw json.RawMessage) []byte {
	if !json.Valid(raw) {
		panic(fmt.Sprintf("jobjson: job %s holds invalid JSON", id))
	}
	if !needsRewrite(raw) {
		return append(dst, raw...)
	}
	var compact, escaped bytes.Buffer
	_ = json.Compact(&compact, raw) // valid, so it compacts
	json.HTMLEscape(&escaped, compact.Bytes())
	return append(dst, escaped.Bytes()...)
}

// needsRewrite reports whether raw holds a byte that compacting or escaping
// may change: white space, <, >, & or the first byte of U+2028 and U+2029.
func needsRewrite(raw []byte) bool {
	for _, b := range raw {
		switch b {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			return true
		}
	}
	return false
}

// hex is the digits of \u escapes.
const hex = "0123456789abcdef"

// appendString appends s as a JSON string the way encoding/json does with
// HTML escaping on.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		var escape string
		switch {
		case r == utf8.RuneError && size == 1:
			escape = `\ufffd`
		case r == '\u2028':
			escape = `\u2028`
		case r == '\u2029':
			escape = `\u2029`
		}
		if escape != "" {
			dst = append(dst, s[start:i]...)
			dst = append(dst, escape...)
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
