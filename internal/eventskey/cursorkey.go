package eventskey

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CursorKeyFile is the file in the data directory that holds the key that
// signs the list's cursors (jobs.ServiceConfig.CursorKey): 32 random bytes
// in hex on one line, readable by its owner only.
const CursorKeyFile = "list-cursor-key"

const cursorKeyBytes = 32

// LoadCursorKey reads the key in dir's CursorKeyFile or, on the first
// start, creates the file with a new key.
func LoadCursorKey(dir string) ([]byte, error) {
	file := filepath.Join(dir, CursorKeyFile)
	raw, err := os.ReadFile(file)
	switch {
	case err == nil:
		key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(key) != cursorKeyBytes {
			return nil, fmt.Errorf("%s does not hold a key of %d bytes in hex: delete it to have a new one made (cursors given out before then stop working)", file, cursorKeyBytes)
		}
		return key, nil
	case errors.Is(err, fs.ErrNotExist):
		key := make([]byte, cursorKeyBytes)
		rand.Read(key)
		if err := writeFileAtomically(file, []byte(hex.EncodeToString(key)+"\n")); err != nil {
			return nil, fmt.Errorf("create the list cursor key: %w", err)
		}
		return key, nil
	default:
		return nil, fmt.Errorf("read the list cursor key: %w", err)
	}
}
