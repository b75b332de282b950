package sigv4

import (
	"errors"
	"testing"
)

// assertRefusal fails unless err is an *Error saying want.
func assertRefusal(t *testing.T, err error, want string) {
	t.Helper()
	var refusal *Error
	if !errors.As(err, &refusal) {
		t.Fatalf("err = %v (%T), want the refusal %q", err, err, want)
	}
	if refusal.Message != want || err.Error() != want {
		t.Fatalf("refusal %q, want %q", refusal.Message, want)
	}
}
