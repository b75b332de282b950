package memstore_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/memstore"
	"github.com/asyncjobs/asyncjobs/jobs/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) jobs.Store { return memstore.New() })
}

func TestLenCountsTheJobs(t *testing.T) {
	t.Parallel()
	s := memstore.New()
	for i, id := range []string{"a", "b"} {
		if n := s.Len(); n != i {
			t.Fatalf("Len = %d before %s, want %d", n, id, i)
		}
		if _, err := s.Create(t.Context(), jobs.Job{ID: id, Parameters: json.RawMessage(`{}`), CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(t.Context(), "a"); err != nil || s.Len() != 1 {
		t.Errorf("Len = %d after Delete (%v), want 1", s.Len(), err)
	}
}
