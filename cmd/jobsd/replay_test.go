package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
)

// replayDay is the --from/--to window the replay tests archive into.
var replayDay = []string{"--from", "2026-01-01T00:00:00Z", "--to", "2026-01-02T00:00:00Z"}

func TestReplayOfAnEmptyArchive(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(append([]string{"replay", "--data-dir", t.TempDir()}, replayDay...), &out, io.Discard)
	if err != nil || out.String() != "replayed 0 events, 0 refused again\n" {
		t.Fatalf("replay of an empty archive: %q %v", out.String(), err)
	}
}

func TestReplayCountsAndReportsRefusedEvents(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	archive, err := localarchive.Open(filepath.Join(dir, "archive.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// A record without a job id: the error handler refuses it again.
	e := events.EventBridgeEvent{ID: "evt", Time: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), Detail: json.RawMessage(`{"requestPayload":{}}`)}
	if err := archive.Put(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	archive.Close()
	var out bytes.Buffer
	err = run(append([]string{"replay", "--data-dir", dir}, replayDay...), &out, io.Discard)
	if out.String() != "replayed 0 events, 1 refused again\n" || err == nil || !strings.Contains(err.Error(), "stay in the archive") {
		t.Fatalf("replay of a refused event: %q %v, want 1 refused and an error", out.String(), err)
	}
}

func TestReplayRefusesTheDataOfARunningJobsd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := boltstore.Open(filepath.Join(dir, "jobs.db"), boltstore.Options{}) // holds the file as jobsd does
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	err = run(append([]string{"replay", "--data-dir", dir}, replayDay...), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("replay while jobsd holds the data: %v, want an 'in use' error", err)
	}
}

func TestReplayFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for args, want := range map[string]string{
		"": "--from is required",
		"--from 2026-01-02T00:00:00Z --to 2026-01-01T00:00:00Z": "must be before --to",
		"--from yesterday":                  "for flag -from: want an RFC 3339 time",
		"--from 2026-01-01T00:00:00Z extra": "unexpected arguments: extra",
	} {
		err := run(append([]string{"replay", "--data-dir", dir}, strings.Fields(args)...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("jobsd replay %s: %v, want it to say %q", args, err, want)
		}
	}
}

func TestReplayDataDirFromTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("JOBS_DATA_DIR", dir)
	if err := run(append([]string{"replay"}, replayDay...), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	// The replay opened the data files in JOBS_DATA_DIR, not in ./data.
	if found, _ := filepath.Glob(filepath.Join(dir, "*.db")); len(found) != 2 {
		t.Fatalf("data files in JOBS_DATA_DIR: %v, want jobs.db and archive.db", found)
	}
}
