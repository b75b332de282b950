package handlers

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadBodyReadsWhatReadAllReads, whatever Content-Length announces.
func TestReadBodyReadsWhatReadAllReads(t *testing.T) {
	t.Parallel()
	const limit = 64
	for _, tt := range []struct {
		body          string
		contentLength int64
		tooLarge      bool
	}{
		{"", 0, false}, {`{"type":"noop"}`, 15, false}, {`{"type":"noop"}`, -1, false},
		{`{"type":"noop"}`, 4, false}, {`{"type":"noop"}`, 40, false}, // announced wrong, read to the end all the same
		{strings.Repeat("x", limit), limit, false}, {strings.Repeat("x", limit+1), limit + 1, true},
		{strings.Repeat("x", limit+1), limit, true}, {strings.Repeat("x", limit+1), -1, true},
	} {
		r := httptest.NewRequest(http.MethodPost, "/jobs", strings.NewReader(tt.body))
		r.ContentLength = tt.contentLength
		got, err := readBody(r, http.MaxBytesReader(httptest.NewRecorder(), r.Body, limit), limit)
		var tooLarge *http.MaxBytesError
		switch {
		case tt.tooLarge && !errors.As(err, &tooLarge):
			t.Errorf("%d bytes announced as %d: error %v, want a MaxBytesError", len(tt.body), tt.contentLength, err)
		case !tt.tooLarge && (err != nil || !bytes.Equal(got, []byte(tt.body))):
			t.Errorf("%d bytes announced as %d: read %q, %v; want %q", len(tt.body), tt.contentLength, got, err, tt.body)
		}
	}
	errReset := errors.New("connection reset")
	failing := iotest.ErrReader(errReset)
	if _, err := readBody(httptest.NewRequest(http.MethodPost, "/jobs", failing), failing, limit); !errors.Is(err, errReset) {
		t.Errorf("a failing body: %v, want its error", err)
	}
}
