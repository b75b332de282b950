package dynamostore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// cursorKeyID is the id of the item that holds the key of List's cursors
// (jobs.ServiceConfig.CursorKey); no job may have it (isJobID). The item has
// no owner, so it is not in the index, and no expiry, so it stays.
const cursorKeyID = "config#list-cursor-key"

// cursorKeyItem holds the key.
type cursorKeyItem struct {
	ID  string `dynamodbav:"id"`
	Key []byte `dynamodbav:"key"`
}

// CursorKey returns the key that signs List's cursors, the same for every
// function instance: the one in the table, or a random key it stores there
// on the first call (the first writer wins). It is as secret as the jobs it
// lets a caller page through, in the same table under the same KMS key and
// IAM policy, and needs no permission beyond GetItem and PutItem.
func (s *Store) CursorKey(ctx context.Context) ([]byte, error) {
	var it cursorKeyItem
	err := s.getItem(ctx, cursorKeyID, &it)
	if errors.Is(err, jobs.ErrNotFound) {
		it = cursorKeyItem{ID: cursorKeyID, Key: make([]byte, jobs.MinCursorKeyBytes)}
		rand.Read(it.Key)
		err = s.putItem(ctx, it, "attribute_not_exists(#id)", map[string]string{"#id": attrID}, nil)
		if errors.Is(err, jobs.ErrConflict) { // another instance stored one first
			err = s.getItem(ctx, cursorKeyID, &it)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("dynamostore: read the list cursor key: %w", err)
	}
	if len(it.Key) < jobs.MinCursorKeyBytes {
		return nil, fmt.Errorf("dynamostore: the list cursor key in item %s has %d bytes, want %d", cursorKeyID, len(it.Key), jobs.MinCursorKeyBytes)
	}
	return it.Key, nil
}
