package main

import (
	"errors"
	"io"
	"testing"
)

func TestReplaySaysWhereItWent(t *testing.T) {
	t.Parallel()
	err := run(t.Context(), []string{"replay", "--from", "2026-01-01T00:00:00Z"}, io.Discard, io.Discard)
	if !errors.Is(err, errReplayMoved) {
		t.Fatalf("jobsctl replay: %v, want it to point to jobsd replay", err)
	}
}
