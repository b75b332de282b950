package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestLs(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	var ids []string // newest first
	for range 3 {
		ids = append([]string{d.submit(t, "--type", "noop", `{}`)}, ids...)
	}
	sleep := d.submit(t, `{"seconds":1}`)
	ids = append([]string{sleep}, ids...)

	// JSON: a job a line, newest first; --all follows every page.
	out, stderr, err := d.run("ls", "--output", "json", "--limit", "1", "--all")
	if err != nil || stderr != "" {
		t.Fatalf("ls --all: %v, stderr %q", err, stderr)
	}
	var got []string
	for _, line := range lines(out) {
		var j struct{ ID string }
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("ls --output json printed %q: %v", line, err)
		}
		got = append(got, j.ID)
	}
	if !slices.Equal(got, ids) {
		t.Errorf("ls --all, a job a page: %v, want %v", got, ids)
	}

	// A table of the first page, with a word on stderr of the rest.
	out, stderr, err = d.run("ls", "--limit", "2", "--type", "noop")
	rows := lines(out)
	if err != nil || len(rows) != 3 || !strings.HasPrefix(rows[0], "ID ") || !strings.HasPrefix(rows[1], ids[1]+" ") ||
		!strings.Contains(rows[1], " noop ") || !strings.Contains(stderr, "--all") {
		t.Errorf("ls --limit 2 --type noop: %v\n%s\nstderr %q; want a header, %s and %s, and a hint of more", err, out, stderr, ids[1], ids[2])
	}

	// A filter the API refuses is a plain error naming the field.
	if _, _, err := d.run("ls", "--status", "Done"); err == nil || !strings.Contains(err.Error(), "status") {
		t.Errorf("ls --status Done: %v, want an error about status", err)
	}
}
