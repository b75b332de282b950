package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// maxDeletesPerTx bounds the commits of DeleteExpired, so that none holds
// up the committer for long.
const maxDeletesPerTx = 1000

// DeleteExpired deletes every job whose ExpiresAt is at or before now, with its
// index entries, and returns how many it deleted. It works in commits of
// at most 1000 deletions, each one a write of the committer; when it fails,
// the count is of those committed.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		n, more, err := s.deleteExpiredTx(ctx, now)
		total += n
		if err != nil {
			return total, fmt.Errorf("boltstore: delete expired jobs: %w", err)
		}
		if !more {
			return total, nil
		}
	}
}

// deleteExpiredTx deletes up to maxDeletesPerTx of the jobs that expire at or
// before now in one commit, and reports whether more are left.
func (s *Store) deleteExpiredTx(ctx context.Context, now time.Time) (n int, more bool, err error) {
	bound := expiryPrefix(now)
	var deleted []string
	o := func(tx *view) (jobs.Job, []change, error) {
		var changes []change
		entries := 0
		for k := range tx.Bucket(bucketExpiry).keys() {
			if bytes.Compare(k[:len(bound)], bound) > 0 {
				break
			}
			if entries == maxDeletesPerTx {
				more = true
				break
			}
			entries++
			id := string(k[len(bound):])
			job, err := deleteChanges(tx, id)
			if err != nil {
				return jobs.Job{}, nil, fmt.Errorf("job %s: %w", id, err)
			}
			if len(job) > 0 {
				deleted = append(deleted, id)
			}
			// k is among the changes unless the entry is stale; deleting it
			// either way keeps the sweep moving.
			changes = append(append(changes, job...), del(bucketExpiry, bytes.Clone(k)))
		}
		return jobs.Job{}, changes, nil
	}
	if _, err := s.submit(ctx, &request{op: o, committed: func() { s.forget(deleted...) }}); err != nil {
		return 0, false, err
	}
	return len(deleted), more, nil
}

// RunSweeper deletes the expired jobs at once and then once per every, which
// must be positive, until ctx is done, and logs what it did. Run it in its own
// goroutine.
func (s *Store) RunSweeper(ctx context.Context, every time.Duration, clock jobs.Clock, logger *slog.Logger) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		n, err := s.DeleteExpired(ctx, clock.Now())
		if n > 0 {
			logger.InfoContext(ctx, "deleted expired jobs", "deleted", n)
		}
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			logger.ErrorContext(ctx, "sweeping expired jobs failed", "err", err)
		case n == 0:
			logger.DebugContext(ctx, "no expired jobs to delete")
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
