package eventskey

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestCursorKeyIsMadeOnceAndKept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := LoadCursorKey(dir)
	if err != nil || len(first) != cursorKeyBytes {
		t.Fatalf("first load: %x, %v; want %d bytes", first, err, cursorKeyBytes)
	}
	info, err := os.Stat(filepath.Join(dir, CursorKeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v; want mode 0600", info, err)
	}
	again, err := LoadCursorKey(dir)
	if err != nil || !bytes.Equal(again, first) {
		t.Errorf("second load: %x, %v; want %x", again, err, first)
	}
	if other, _ := LoadCursorKey(t.TempDir()); bytes.Equal(other, first) {
		t.Error("two data directories share a key")
	}
	if err := os.WriteFile(filepath.Join(dir, CursorKeyFile), []byte("abcd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCursorKey(dir); err == nil {
		t.Error("a short key was taken")
	}
}
