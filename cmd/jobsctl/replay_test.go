package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestReplay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out bytes.Buffer
	err := run(t.Context(), []string{"replay", "--data-dir", dir, "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-02T00:00:00Z"}, &out, io.Discard)
	if err != nil || out.String() != "replayed 0 events, 0 refused again\n" {
		t.Fatalf("replay of an empty archive: %q %v", out.String(), err)
	}
	for args, want := range map[string]string{
		"--data-dir " + dir: "--from is required",
		"--data-dir " + dir + " --from 2026-01-02T00:00:00Z --to 2026-01-01T00:00:00Z": "must be before --to",
		"--data-dir " + dir + " --from yesterday":                                      "for flag -from: want an RFC 3339 time",
	} {
		err := run(t.Context(), append([]string{"replay"}, strings.Fields(args)...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("replay %s: %v, want it to say %q", args, err, want)
		}
	}
}
