package jobs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The page sizes of List.
const (
	DefaultListLimit = 50
	MaxListLimit     = 200
)

// MinCursorKeyBytes is the shortest key that List accepts for its cursors.
const MinCursorKeyBytes = 32

// statuses are the statuses a list can be filtered on.
var statuses = []Status{StatusPending, StatusRunning, StatusSuccess, StatusFailure, StatusCancelled}

// ListRequest asks for one page of the caller's jobs. The fields are as the
// client gave them; List checks them.
type ListRequest struct {
	Owner  string // the calling principal
	Status string // "" for any
	Type   string // "" for any
	Limit  string // "" for DefaultListLimit
	Cursor string // "" for the first page, else the Next of the page before
}

// ListResult is one page of a list.
type ListResult struct {
	Jobs []Job
	Next string // the cursor of the next page; "" on the last page
}

// List returns a page of the owner's unexpired jobs, newest first. The
// cursor it gives for the next page is bound, by an HMAC with the service's
// CursorKey, to the owner and the filters: a cursor of another owner or
// other filters, or one changed in any way, is a *ValidationError.
func (s *Service) List(ctx context.Context, req ListRequest) (ListResult, error) {
	if len(s.cfg.CursorKey) < MinCursorKeyBytes {
		return ListResult{}, fmt.Errorf("list jobs: the service has no cursor key of %d bytes", MinCursorKeyBytes)
	}
	q, err := s.listQuery(req)
	if err != nil {
		return ListResult{}, err
	}
	page, err := s.cfg.Store.List(ctx, q)
	if err != nil {
		return ListResult{}, fmt.Errorf("list jobs: %w", err)
	}
	res := ListResult{Jobs: page.Jobs}
	if page.Next != nil {
		res.Next = s.cursor(q, *page.Next)
	}
	return res, nil
}

// listQuery checks req and makes the store's query of it.
func (s *Service) listQuery(req ListRequest) (ListQuery, error) {
	q := ListQuery{Owner: req.Owner, Status: Status(req.Status), Type: req.Type, Limit: DefaultListLimit, Now: s.cfg.Clock.Now()}
	if req.Status != "" && !isStatus(q.Status) {
		names := make([]string, len(statuses))
		for i, st := range statuses {
			names[i] = string(st)
		}
		return ListQuery{}, invalid("status", "oneof", strings.Join(names, " "),
			"status must be one of: "+strings.Join(names, ", "))
	}
	if req.Type != "" {
		if _, ok := s.cfg.Types.Lookup(req.Type); !ok {
			return ListQuery{}, s.cfg.Types.unknownType()
		}
	}
	if req.Limit != "" {
		n, err := strconv.Atoi(req.Limit)
		switch {
		case err != nil:
			return ListQuery{}, invalid("limit", "integer", "", "limit must be an integer")
		case n < 1:
			return ListQuery{}, invalid("limit", "min", "1", ruleMessage("limit", "min", "1"))
		case n > MaxListLimit:
			param := strconv.Itoa(MaxListLimit)
			return ListQuery{}, invalid("limit", "max", param, ruleMessage("limit", "max", param))
		}
		q.Limit = n
	}
	if req.Cursor != "" {
		after, ok := s.position(q, req.Cursor)
		if !ok {
			return ListQuery{}, invalid("cursor", "cursor", "",
				"cursor must be the next cursor of a page of this list, asked for with the same filters by the same caller")
		}
		q.After = &after
	}
	return q, nil
}

func isStatus(st Status) bool {
	for _, s := range statuses {
		if s == st {
			return true
		}
	}
	return false
}

// A cursor is base64url (unpadded) of: cursorVersion, the position's
// CreatedAt in Unix nanoseconds (8 bytes, big-endian), its ID, and the first
// cursorMACBytes of the HMAC-SHA256 of the query and the position.
const (
	cursorVersion  = 1
	cursorMACBytes = 16
)

// cursor returns the cursor of the position p in the list of q.
func (s *Service) cursor(q ListQuery, p Position) string {
	b := make([]byte, 0, 9+len(p.ID)+cursorMACBytes)
	b = append(b, cursorVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(p.CreatedAt.UnixNano()))
	b = append(b, p.ID...)
	b = append(b, s.cursorMAC(q, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// position returns the position a cursor of q's list holds, if the cursor is
// one that cursor made for q.
func (s *Service) position(q ListQuery, cursor string) (Position, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < 9+cursorMACBytes || b[0] != cursorVersion {
		return Position{}, false
	}
	body, mac := b[:len(b)-cursorMACBytes], b[len(b)-cursorMACBytes:]
	if !hmac.Equal(mac, s.cursorMAC(q, body)) {
		return Position{}, false
	}
	nanos := int64(binary.BigEndian.Uint64(body[1:9]))
	return Position{CreatedAt: time.Unix(0, nanos).UTC(), ID: string(body[9:])}, true
}

// cursorMAC binds a cursor's body to the owner and the filters of q.
func (s *Service) cursorMAC(q ListQuery, body []byte) []byte {
	h := hmac.New(sha256.New, s.cfg.CursorKey)
	for _, field := range []string{"asyncjobs list cursor", q.Owner, string(q.Status), q.Type} {
		h.Write(binary.AppendUvarint(nil, uint64(len(field))))
		h.Write([]byte(field))
	}
	h.Write(body)
	return h.Sum(nil)[:cursorMACBytes]
}
