// Package localarchive is jobsd's durable stand-in for an EventBridge archive:
// failure events in a bbolt file, ordered by time, read back by time range.
package localarchive

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/asyncjobs/asyncjobs/errorhandling"
)

var bucket = []byte("events")

// Archive is a bbolt file of EventBridge events keyed by time and id.
type Archive struct{ db *bolt.DB }

var _ errorhandling.Archive = (*Archive)(nil)

// Open opens or creates the archive at path, waiting at most lockTimeout for
// another process to let go of the file.
func Open(path string, lockTimeout time.Duration) (*Archive, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("localarchive: %s is in use by another process (is jobsd running?)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("localarchive: open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("localarchive: prepare %s: %w", path, err)
	}
	return &Archive{db: db}, nil
}

// Close closes the file.
func (a *Archive) Close() error { return a.db.Close() }

// Put stores e durably.
func (a *Archive) Put(_ context.Context, e events.EventBridgeEvent) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("localarchive: encode event %s: %w", e.ID, err)
	}
	if err := a.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put(key(e.Time, e.ID), v)
	}); err != nil {
		return fmt.Errorf("localarchive: put event %s: %w", e.ID, err)
	}
	return nil
}

// Range calls fn for each event with from <= time < to, oldest first.
func (a *Archive) Range(ctx context.Context, from, to time.Time, fn func(events.EventBridgeEvent) error) error {
	end := key(to, "")
	return a.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.Seek(key(from, "")); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var e events.EventBridgeEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("localarchive: decode event %x: %w", k, err)
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// key orders events by time, then id. Times before 1970 sort first.
func key(t time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(max(t.UnixNano(), 0)))
	return append(k, id...)
}
