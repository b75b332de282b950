package boltstore

import (
	"bytes"
	"iter"
	"maps"
	"slices"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// The changes the log holds and the data file not yet (wal.go) are kept in
// memory, in a table that every read consults before the file: the overlay.
// A delete stays in it as a tombstone until a checkpoint writes it.

// table holds changes by bucket and key, the last one of each key.
type table struct {
	buckets map[string]map[string]change
	size    int // keys held
}

func newTable() *table { return &table{buckets: map[string]map[string]change{}} }

// reset empties t and keeps its maps' room for the next changes.
func (t *table) reset() {
	for _, b := range t.buckets {
		clear(b)
	}
	t.size = 0
}

// set records c, replacing any change of the same key.
func (t *table) set(c change) {
	b := t.buckets[string(c.bucket)]
	if b == nil {
		b = map[string]change{}
		t.buckets[string(c.bucket)] = b
	}
	if _, ok := b[string(c.key)]; !ok {
		t.size++
	}
	b[string(c.key)] = c
}

func (t *table) setAll(changes []change) {
	for _, c := range changes {
		t.set(c)
	}
}

// merge records the changes of o, replacing those of the same keys.
func (t *table) merge(o *table) {
	for name, changes := range o.buckets {
		b := t.buckets[name]
		if b == nil {
			b = make(map[string]change, len(changes))
			t.buckets[name] = b
		}
		for k, c := range changes {
			if _, ok := b[k]; !ok {
				t.size++
			}
			b[k] = c
		}
	}
}

// each yields every change, in no order.
func (t *table) each() iter.Seq[change] {
	return func(yield func(change) bool) {
		for _, b := range t.buckets {
			for _, c := range b {
				if !yield(c) {
					return
				}
			}
		}
	}
}

func (t *table) lookup(bucket, key []byte) (change, bool) {
	c, ok := t.buckets[string(bucket)][string(key)]
	return c, ok
}

// sorted returns the changes of bucket in key order.
func (t *table) sorted(bucket string) []change {
	return slices.SortedFunc(maps.Values(t.buckets[bucket]), byKey)
}

func byKey(a, b change) int { return bytes.Compare(a.key, b.key) }

// all returns every change, bucket by bucket in key order.
func (t *table) all() []change {
	out := make([]change, 0, t.size)
	for _, name := range slices.Sorted(maps.Keys(t.buckets)) {
		from := len(out)
		for _, c := range t.buckets[name] {
			out = append(out, c)
		}
		slices.SortFunc(out[from:], byKey)
	}
	return out
}

// view reads the data file through tables of changes, newest first: what the
// file will hold once they are written.
type view struct {
	tx     *bolt.Tx
	tables []*table
}

// Bucket is the named bucket as the view sees it.
func (v *view) Bucket(name []byte) viewBucket { return viewBucket{v: v, name: name} }

type viewBucket struct {
	v    *view
	name []byte
}

// Get returns the key's value, nil if it has none (or a tombstone). The value
// may be the file's memory, valid until the transaction ends.
func (b viewBucket) Get(key []byte) []byte {
	for _, t := range b.v.tables {
		if c, ok := t.lookup(b.name, key); ok {
			if c.remove {
				return nil
			}
			return c.value
		}
	}
	return b.v.tx.Bucket(b.name).Get(key)
}

// keys yields the bucket's keys in order: the file's merged with the tables'.
func (b viewBucket) keys() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		c := b.v.tx.Bucket(b.name).Cursor()
		k, _ := c.First()
		next := func() []byte { k, _ := c.Next(); return k }
		mergeKeys(b.overlaid(), k, next, func(a, b []byte) bool { return bytes.Compare(a, b) < 0 }, yield)
	}
}

// descend yields the bucket's keys before the key before, last first: the
// file's merged with the tables'.
func (b viewBucket) descend(before []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		over := b.overlaid()
		over = over[:sort.Search(len(over), func(i int) bool { return bytes.Compare(over[i].key, before) >= 0 })]
		slices.Reverse(over)
		c := b.v.tx.Bucket(b.name).Cursor()
		k, _ := c.Seek(before)
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		next := func() []byte { k, _ := c.Prev(); return k }
		mergeKeys(over, k, next, func(a, b []byte) bool { return bytes.Compare(a, b) > 0 }, yield)
	}
}

// overlaid returns the tables' changes of the bucket, the newest of each key,
// in key order.
func (b viewBucket) overlaid() []change {
	merged := newTable()
	for _, t := range slices.Backward(b.v.tables) {
		for _, c := range t.buckets[string(b.name)] {
			merged.set(c)
		}
	}
	return merged.sorted(string(b.name))
}

// mergeKeys yields the keys of a file's cursor, from k on, merged with the
// changes over: a put adds its key, a delete hides it. Both come in the
// order that first gives.
func mergeKeys(over []change, k []byte, next func() []byte, first func(a, b []byte) bool, yield func([]byte) bool) {
	for k != nil || len(over) > 0 {
		if len(over) > 0 && (k == nil || !first(k, over[0].key)) {
			o := over[0]
			over = over[1:]
			if k != nil && bytes.Equal(o.key, k) {
				k = next() // the change replaces the file's key
			}
			if !o.remove && !yield(o.key) {
				return
			}
			continue
		}
		if !yield(k) {
			return
		}
		k = next()
	}
}

// read runs fn with a view of the file through the overlay. The caller holds
// s.mu (for reading at least).
func (s *Store) read(fn func(v *view) error) error {
	return translate(s.db.View(func(tx *bolt.Tx) error { return fn(&view{tx: tx, tables: []*table{s.logged}}) }))
}
