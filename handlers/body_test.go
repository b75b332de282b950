package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

// TestUnreadableBodyIsTheClientsFault reads bodies cut short, as a client
// that closes its connection or is too slow leaves them: the answer is a 400
// problem, the service is not called and nothing is logged as a failure.
func TestUnreadableBodyIsTheClientsFault(t *testing.T) {
	t.Parallel()
	for _, cause := range []error{io.ErrUnexpectedEOF, os.ErrDeadlineExceeded} {
		t.Run(cause.Error(), func(t *testing.T) {
			t.Parallel()
			f := newFake()
			h, logs := setup(t, f)
			req := httptest.NewRequest(http.MethodPost, "/jobs", io.MultiReader(strings.NewReader(`{"sec`), iotest.ErrReader(cause)))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			p := assertProblem(t, rec, http.StatusBadRequest, "", "")
			if !strings.HasPrefix(p.Detail, "the request body could not be read: ") {
				t.Errorf("detail %q, want it to say the body could not be read", p.Detail)
			}
			if f.calls != 0 {
				t.Errorf("the service was called %d times", f.calls)
			}
			if strings.Contains(logs.String(), `"level":"ERROR"`) {
				t.Errorf("a client's unreadable body was logged as an error:\n%s", logs)
			}
		})
	}
}
