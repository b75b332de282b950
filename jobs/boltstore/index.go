package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// The buckets of the data file.
var (
	bucketJobs        = []byte("jobs")        // id → record
	bucketIdempotency = []byte("idempotency") // idempotencyKey(owner, key) → id
	bucketExpiry      = []byte("expiry")      // expiryKey(ExpiresAt, id) → empty
	bucketUnfinished  = []byte("unfinished")  // id → empty, for jobs not in a terminal status
	bucketOwners      = []byte("owners")      // ownerKey(Owner, CreatedAt, id) → empty, for List
)

// fillPercent is how full bbolt fills a bucket's pages when it splits them.
// Job ids (UUIDv7) and expiry keys mostly grow, so new keys land on the last
// page, and bbolt's default of half-full pages would leave every page but
// the last half empty (a file twice the size, twice the pages to write).
// Jobs keep some room for records that grow when the job ends.
func fillPercent(bucket []byte) float64 {
	switch {
	case bytes.Equal(bucket, bucketJobs):
		return 0.9
	case bytes.Equal(bucket, bucketExpiry):
		return 1.0
	}
	return bolt.DefaultFillPercent
}

// idempotencyKey is the key of an entry in the idempotency bucket: keys are
// per owner, so the owner comes first, then a NUL, which no principal holds.
func idempotencyKey(owner, key string) []byte {
	return []byte(owner + "\x00" + key)
}

// expiryKey is the key of a job's entry in the expiry bucket: the expiry time
// as 8 bytes that sort like the time itself, then the id.
func expiryKey(expiresAt time.Time, id string) []byte {
	return append(expiryPrefix(expiresAt), id...)
}

// expiryPrefix encodes t in 8 bytes that sort as t does, times before 1970
// included: big-endian unix nanoseconds with the sign bit flipped.
func expiryPrefix(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 64), uint64(t.UnixNano())^(1<<63))
}

// ownerKey is the key of a job's entry in the owners bucket: the owner, a
// NUL (which no principal holds), CreatedAt as in expiryPrefix, then the id,
// so that an owner's jobs sort by creation, then id.
func ownerKey(owner string, createdAt time.Time, id string) []byte {
	return append(append(ownerPrefix(owner), expiryPrefix(createdAt)...), id...)
}

// ownerPrefix starts the keys of an owner's entries in the owners bucket.
func ownerPrefix(owner string) []byte {
	return append([]byte(owner), 0)
}

// recordChanges returns the changes that store j as rec, with the index
// entries that follow from it. old is the version j replaces, nil for a new
// job.
func recordChanges(old *jobs.Job, j jobs.Job, rec []byte) []change {
	id := []byte(j.ID)
	changes := make([]change, 1, 6)
	changes[0] = put(bucketJobs, id, rec)
	if old == nil || old.Owner != j.Owner || !old.CreatedAt.Equal(j.CreatedAt) {
		if old != nil {
			changes = append(changes, del(bucketOwners, ownerKey(old.Owner, old.CreatedAt, old.ID)))
		}
		changes = append(changes, put(bucketOwners, ownerKey(j.Owner, j.CreatedAt, j.ID), []byte{}))
	}
	if old == nil || !old.ExpiresAt.Equal(j.ExpiresAt) {
		if old != nil && !old.ExpiresAt.IsZero() {
			changes = append(changes, del(bucketExpiry, expiryKey(old.ExpiresAt, old.ID)))
		}
		if !j.ExpiresAt.IsZero() {
			changes = append(changes, put(bucketExpiry, expiryKey(j.ExpiresAt, j.ID), []byte{}))
		}
	}
	switch {
	case j.Status.Terminal():
		changes = append(changes, del(bucketUnfinished, id))
	case old == nil || old.Status.Terminal():
		changes = append(changes, put(bucketUnfinished, id, []byte{}))
	}
	return changes
}

// deleteChanges returns the changes that delete the job and its index entries;
// none if there is no such job. The idempotency entry goes only if it is still
// the job's: a newer job may have taken the key over.
func deleteChanges(tx *view, id string) ([]change, error) {
	data := tx.Bucket(bucketJobs).Get([]byte(id))
	if data == nil {
		return nil, nil
	}
	owner, idemKey, createdAt, expiresAt, err := indexFields(data)
	if err != nil {
		return nil, err
	}
	changes := []change{del(bucketJobs, []byte(id)), del(bucketUnfinished, []byte(id)), del(bucketOwners, ownerKey(owner, createdAt, id))}
	if !expiresAt.IsZero() {
		changes = append(changes, del(bucketExpiry, expiryKey(expiresAt, id)))
	}
	if idemKey != "" {
		key := idempotencyKey(owner, idemKey)
		if bytes.Equal(tx.Bucket(bucketIdempotency).Get(key), []byte(id)) {
			changes = append(changes, del(bucketIdempotency, key))
		}
	}
	return changes, nil
}

// keyHolder returns the job that holds an idempotency key at now, or nil if
// the job the key names is gone or has expired.
func keyHolder(tx *view, id string, now time.Time) (*jobs.Job, error) {
	data := tx.Bucket(bucketJobs).Get([]byte(id))
	if data == nil {
		return nil, nil
	}
	holder, err := decodeRecord(data)
	if err != nil {
		return nil, fmt.Errorf("get idempotency key holder %s: %w", id, err)
	}
	if holder.Expired(now) {
		return nil, nil
	}
	return &holder, nil
}
