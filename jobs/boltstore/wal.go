package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"iter"
	"os"

	bolt "go.etcd.io/bbolt"
)

// Write-ahead log: a commit appends its changes to a log file next to the
// data file as one frame and syncs it, which is one write and one fdatasync;
// the changes are then visible through the overlay (overlay.go). A
// checkpoint writes the overlay to the data file in one synced bbolt
// transaction, then empties the log. Frames hold absolute puts and deletes,
// so replaying one the data file holds already changes nothing: a crash at
// any step leaves the data file, synced, plus a log whose frames bring it up
// to date. Open replays them and empties the log.
//
// A frame is the length of its body (4 bytes, little-endian), the body's
// CRC-32C (4 bytes), and the body: the frame's sequence number (8 bytes),
// then each change as the bucket's name, a kind (put or delete), the key, and
// for a put the value, each length as a uvarint before its bytes. Sequence
// numbers follow one another; a frame that is cut short, fails its checksum
// or does not follow ends the log (what follows is a torn write, or old
// bytes a truncation did not sync).

const frameHeader = 4 + 4

// Kinds of changes in a frame.
const (
	kindPut    byte = 0
	kindDelete byte = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// wal is the open log file. Only the committer uses it.
type wal struct {
	f    *os.File
	seq  uint64 // of the last frame written
	size int64  // bytes in the file
	buf  []byte
}

// walPath is the log of the data file at path.
func walPath(path string) string { return path + ".wal" }

// recoverLog opens the log of db at path, writes the changes of its frames to
// db in one synced transaction, and empties it.
func recoverLog(db *bolt.DB, path string) (*wal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	w := &wal{f: f}
	if err := w.replay(db); err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return w, nil
}

func (w *wal) replay(db *bolt.DB) error {
	data, err := io.ReadAll(w.f)
	if err != nil {
		return fmt.Errorf("read %s: %w", w.f.Name(), err)
	}
	frames, last, err := readFrames(data)
	if err != nil {
		return fmt.Errorf("%s: %w", w.f.Name(), err)
	}
	w.seq = last
	if len(frames.buckets) > 0 {
		err := db.Update(func(tx *bolt.Tx) error {
			for name := range frames.buckets {
				if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
					return fmt.Errorf("create bucket %s: %w", name, err)
				}
			}
			return apply(tx, frames.all())
		})
		if err != nil {
			return fmt.Errorf("replay %s: %w", w.f.Name(), err)
		}
	}
	return w.reset()
}

// readFrames returns the changes of the frames in data, the last of each
// key, and the sequence number of the last frame.
func readFrames(data []byte) (*table, uint64, error) {
	changes := newTable()
	var last uint64
	for len(data) >= frameHeader {
		n := binary.LittleEndian.Uint32(data)
		if uint64(n) > uint64(len(data)-frameHeader) || n < 8 {
			break // cut short
		}
		body := data[frameHeader : frameHeader+int(n)]
		if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[4:]) {
			break
		}
		seq := binary.LittleEndian.Uint64(body)
		if last != 0 && seq != last+1 {
			break
		}
		if err := decodeFrame(body[8:], changes); err != nil {
			return nil, 0, fmt.Errorf("frame %d: %w", seq, err)
		}
		last = seq
		data = data[frameHeader+int(n):]
	}
	return changes, last, nil
}

// decodeFrame adds the changes of a frame's body to t.
func decodeFrame(body []byte, t *table) error {
	r := &reader{data: body}
	for len(r.data) > 0 && r.err == nil {
		c := change{bucket: r.next()}
		kind := r.next()
		c.key = r.next()
		switch {
		case r.err != nil:
		case len(kind) == 1 && kind[0] == kindPut:
			c.value = r.next()
		case len(kind) == 1 && kind[0] == kindDelete:
			c.remove = true
		default:
			return fmt.Errorf("change of unknown kind %x", kind)
		}
		if r.err == nil {
			t.set(c)
		}
	}
	return r.err
}

// append writes the changes as the next frame and syncs the file.
func (w *wal) append(changes iter.Seq[change]) error {
	b := append(w.buf[:0], make([]byte, frameHeader)...)
	b = binary.LittleEndian.AppendUint64(b, w.seq+1)
	for c := range changes {
		kind := kindPut
		if c.remove {
			kind = kindDelete
		}
		b = appendBytes(b, c.bucket)
		b = appendBytes(b, []byte{kind})
		b = appendBytes(b, c.key)
		if !c.remove {
			b = appendBytes(b, c.value)
		}
	}
	body := b[frameHeader:]
	binary.LittleEndian.PutUint32(b, uint32(len(body)))
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(body, castagnoli))
	w.buf = b
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", w.f.Name(), err)
	}
	if err := fdatasync(w.f); err != nil {
		return fmt.Errorf("sync %s: %w", w.f.Name(), err)
	}
	w.seq++
	w.size += int64(len(b))
	return nil
}

func appendBytes(b, data []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(data))), data...)
}

// reset empties the log, whose changes the data file holds. Not syncing the
// truncation is safe: after a crash, the old frames replay harmlessly, and
// the first frame appended after it syncs the new length.
func (w *wal) reset() error {
	if err := w.f.Truncate(0); err != nil {
		return fmt.Errorf("truncate %s: %w", w.f.Name(), err)
	}
	w.size = 0
	return nil
}

func (w *wal) close() error { return w.f.Close() }
