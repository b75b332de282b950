package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// A record is how a job is stored: a binary header with what the public JSON
// does not say (or says only to the millisecond), then the public JSON as
// jobjson.Append writes it, so that a read of a job's JSON parses the header
// and copies the rest. The header is:
//
//	version byte (recordVersion; a legacy JSON record starts with '{')
//	flags byte (the flag* bits below)
//	status, owner, idempotency key, request hash: uvarint length, bytes
//	seq: varint
//	CreatedAt, UpdatedAt, StartedAt, FinishedAt, ExpiresAt, each unless zero
//	  (flagHas* bits): varint Unix seconds, uvarint nanoseconds
//	error type, message, condition if flagError
//	parameters if flagRawParameters, results if flagRawResults: uvarint length, bytes
//
// Parameters and results are in the header only when the public JSON would
// not give back their bytes (it escapes <, > and & and writes nil as null).
const recordVersion = 1

const (
	flagError = 1 << iota
	flagRawParameters
	flagRawResults
	flagHasCreatedAt // then the four other times, in header order
)

// header is a record's header, decoded.
type header struct {
	status                          jobs.Status
	owner, idemKey, requestHash     string
	seq                             int64
	times                           [5]time.Time // CreatedAt, UpdatedAt, StartedAt, FinishedAt, ExpiresAt
	err                             *jobs.ErrorInfo
	rawParameters, rawResults       []byte
	hasRawParameters, hasRawResults bool
}

func (h header) expiresAt() time.Time { return h.times[4] }

// encodeRecord returns the record of j and where its public JSON starts in it.
func encodeRecord(j jobs.Job) (rec []byte, jsonAt int) {
	var flags byte
	if j.Error != nil {
		flags |= flagError
	}
	rawParameters, rawResults := needsRaw(j.Parameters), len(j.Results) > 0 && needsRaw(j.Results)
	if rawParameters {
		flags |= flagRawParameters
	}
	if rawResults {
		flags |= flagRawResults
	}
	times := [5]time.Time{j.CreatedAt, j.UpdatedAt, j.StartedAt, j.FinishedAt, j.ExpiresAt}
	for i, t := range times {
		if !t.IsZero() {
			flags |= flagHasCreatedAt << i
		}
	}
	// The header's room (its fixed part, strings, raw JSON) and the public
	// JSON's: one allocation.
	head := 64 + len(j.Status) + len(j.Owner) + len(j.IdempotencyKey) + len(j.RequestHash) + len(j.Parameters) + len(j.Results)
	if e := j.Error; e != nil {
		head += len(e.Type) + len(e.Message) + len(e.Condition)
	}
	b := make([]byte, 0, head+jobjson.Size(j))
	b = append(b, recordVersion, flags)
	for _, s := range []string{string(j.Status), j.Owner, j.IdempotencyKey, j.RequestHash} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(b, j.Seq)
	for _, t := range times {
		if !t.IsZero() {
			b = binary.AppendUvarint(binary.AppendVarint(b, t.Unix()), uint64(t.Nanosecond()))
		}
	}
	if e := j.Error; e != nil {
		b = appendString(appendString(appendString(b, e.Type), e.Message), e.Condition)
	}
	if rawParameters {
		b = appendString(b, string(j.Parameters))
	}
	if rawResults {
		b = appendString(b, string(j.Results))
	}
	if len(j.Parameters) == 0 {
		j.Parameters = nil // null: the JSON of an empty RawMessage is not JSON
	}
	if len(j.Results) == 0 {
		j.Results = nil
	}
	return jobjson.Append(b, j), len(b)
}

// needsRaw reports whether the public JSON may not give raw back byte for
// byte: it is empty (written as null), or holds a character the JSON may
// escape (<, >, &, or U+2028 and U+2029, which start with 0xE2).
func needsRaw(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.ContainsAny(raw, "<>&") || bytes.IndexByte(raw, 0xE2) >= 0
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errCorrupt = errors.New("corrupt record")

// decodeHeader returns the header of a record (not a legacy one) and its
// public JSON, which is part of data.
func decodeHeader(data []byte) (header, []byte, error) {
	if len(data) < 2 || data[0] != recordVersion {
		return header{}, nil, fmt.Errorf("%w: unknown version", errCorrupt)
	}
	r := reader{data: data[2:]}
	flags := data[1]
	var h header
	h.status = jobs.Status(r.string())
	h.owner, h.idemKey, h.requestHash = r.string(), r.string(), r.string()
	h.seq = r.varint()
	for i := range h.times {
		if flags&(flagHasCreatedAt<<i) != 0 {
			sec := r.varint()
			h.times[i] = time.Unix(sec, int64(r.uvarint())).UTC()
		}
	}
	if flags&flagError != 0 {
		h.err = &jobs.ErrorInfo{Type: r.string(), Message: r.string(), Condition: r.string()}
	}
	if h.hasRawParameters = flags&flagRawParameters != 0; h.hasRawParameters {
		h.rawParameters = r.bytes()
	}
	if h.hasRawResults = flags&flagRawResults != 0; h.hasRawResults {
		h.rawResults = r.bytes()
	}
	if r.err != nil {
		return header{}, nil, r.err
	}
	return h, r.data, nil
}

// publicFields are the fields of a job that only the public JSON holds.
type publicFields struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Parameters json.RawMessage `json:"parameters"`
	Results    json.RawMessage `json:"results"`
	Progress   *jobs.Progress  `json:"progress"`
	Attempts   int             `json:"attempts"`
}

// decodeRecord returns the job stored as data, in either format. The job
// shares no memory with data, which bbolt owns.
func decodeRecord(data []byte) (jobs.Job, error) {
	if len(data) > 0 && data[0] == '{' {
		return decodeLegacy(data)
	}
	h, public, err := decodeHeader(data)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("decode: %w", err)
	}
	var p publicFields
	if err := json.Unmarshal(public, &p); err != nil {
		return jobs.Job{}, fmt.Errorf("decode: %w", err)
	}
	j := jobs.Job{
		ID: p.ID, Owner: h.owner, Type: p.Type, Status: h.status,
		Parameters: p.Parameters, Results: p.Results, Error: h.err, Progress: p.Progress, Attempts: p.Attempts,
		CreatedAt: h.times[0], UpdatedAt: h.times[1], StartedAt: h.times[2], FinishedAt: h.times[3], ExpiresAt: h.times[4],
		Seq: h.seq, IdempotencyKey: h.idemKey, RequestHash: h.requestHash,
	}
	if h.hasRawParameters {
		j.Parameters = h.rawParameters
	}
	if h.hasRawResults {
		j.Results = h.rawResults
	}
	return j, nil
}

// encoded returns the job stored as data as a read of its public JSON sees
// it; the JSON shares no memory with data.
func encoded(id string, data []byte) (jobs.Encoded, error) {
	if len(data) > 0 && data[0] == '{' {
		j, err := decodeLegacy(data)
		if err != nil {
			return jobs.Encoded{}, err
		}
		return jobs.Encoded{ID: id, Owner: j.Owner, Status: j.Status, Seq: j.Seq, ExpiresAt: j.ExpiresAt, JSON: jobjson.Append(nil, j)}, nil
	}
	h, public, err := decodeHeader(data)
	if err != nil {
		return jobs.Encoded{}, fmt.Errorf("decode: %w", err)
	}
	return jobs.Encoded{ID: id, Owner: h.owner, Status: h.status, Seq: h.seq, ExpiresAt: h.expiresAt(), JSON: bytes.Clone(public)}, nil
}

// indexFields returns what the indexes hold of the job stored as data: its
// owner, idempotency key, creation and expiry, in either format.
func indexFields(data []byte) (owner, idemKey string, createdAt, expiresAt time.Time, err error) {
	if len(data) > 0 && data[0] == '{' {
		j, err := decodeLegacy(data)
		return j.Owner, j.IdempotencyKey, j.CreatedAt, j.ExpiresAt, err
	}
	h, _, err := decodeHeader(data)
	return h.owner, h.idemKey, h.times[0], h.expiresAt(), err
}

// reader reads a header; the first error sticks and zeroes what follows.
type reader struct {
	data []byte
	err  error
}

func (r *reader) uvarint() uint64 { return readVarint(r, binary.Uvarint) }
func (r *reader) varint() int64   { return readVarint(r, binary.Varint) }

func readVarint[T uint64 | int64](r *reader, read func([]byte) (T, int)) T {
	v, n := read(r.data)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.data = r.data[n:]
	return v
}

// next returns the next length-prefixed field, which is part of the data.
func (r *reader) next() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.data)) {
		r.fail()
		return nil
	}
	b := r.data[:n]
	r.data = r.data[n:]
	return b
}

func (r *reader) bytes() []byte  { return bytes.Clone(r.next()) }
func (r *reader) string() string { return string(r.next()) }

func (r *reader) fail() {
	if r.err == nil {
		r.err = fmt.Errorf("%w: header cut short", errCorrupt)
	}
	r.data = nil
}
