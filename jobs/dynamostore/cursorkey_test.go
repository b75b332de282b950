package dynamostore

import (
	"bytes"
	"sync"
	"testing"

	"github.com/asyncjobs/asyncjobs/jobs"
)

func TestCursorKeyIsMadeOnceAndKept(t *testing.T) {
	t.Parallel()
	e := setup(t)
	// Instances starting together agree on one key.
	keys := make([][]byte, 4)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			var err error
			if keys[i], err = e.store(nil).CursorKey(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, k := range keys {
		if len(k) != jobs.MinCursorKeyBytes || !bytes.Equal(k, keys[0]) {
			t.Fatalf("keys %x; want one key of %d bytes", keys, jobs.MinCursorKeyBytes)
		}
	}
	again, err := e.store(nil).CursorKey(t.Context())
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Errorf("a later instance: %x, %v; want %x", again, err, keys[0])
	}
	// The key's item is no job: it is neither read as one nor listed.
	if _, err := e.store(nil).Get(t.Context(), cursorKeyID); err == nil {
		t.Errorf("Get(%s) found a job", cursorKeyID)
	}
	other, err := New(e.client, newTable(t, e.client), e.clock).CursorKey(t.Context())
	if err != nil || bytes.Equal(other, keys[0]) {
		t.Errorf("another table's key: %x, %v; want another random key", other, err)
	}
}
