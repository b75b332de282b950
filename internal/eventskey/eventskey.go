// Package eventskey keeps the API key of a local events endpoint (and, in
// cursorkey.go, the key of the list's cursors) in the data directory, so that it is random per installation and the same
// across restarts: jobsd and the AWS stack run locally (awslocal) keep it
// alike, and jobsctl reads it from there.
package eventskey

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// File is the file in the data directory that holds the events endpoint's
// API key when none is configured: the key alone on one line.
const File = "events-api-key"

// newKey returns a random key in the form of AppSync's: "da2-" and 26
// lowercase base32 characters (128 random bits).
func newKey() string { return "da2-" + strings.ToLower(rand.Text()) }

// Load reads the key in dir's File or, on the first start, creates the file
// with a new key. It returns the key and the file.
func Load(dir string) (key, file string, err error) {
	file = filepath.Join(dir, File)
	raw, err := os.ReadFile(file)
	switch {
	case err == nil:
		key = strings.TrimSpace(string(raw))
		if key == "" || strings.ContainsAny(key, " \t\r\n") {
			return "", "", fmt.Errorf("%s does not hold one API key: delete it to have a new one made", file)
		}
		return key, file, nil
	case errors.Is(err, fs.ErrNotExist):
		key = newKey()
		if err := writeFileAtomically(file, []byte(key+"\n")); err != nil {
			return "", "", fmt.Errorf("create the events API key: %w", err)
		}
		return key, file, nil
	default:
		return "", "", fmt.Errorf("read the events API key: %w", err)
	}
}

// Describe shows key and where it comes from, for a banner. The key in the
// data directory (file) is shown whole, as the file is readable by its
// owner only; a key given by flag or environment (file empty) is masked,
// since logs of the process may travel further.
func Describe(key, file string) string {
	if file != "" {
		return fmt.Sprintf("%s   (kept in %s)", key, file)
	}
	return fmt.Sprintf("%s…   (from --events-api-key or JOBS_EVENTS_API_KEY)", key[:min(8, len(key)/2)])
}

// writeFileAtomically writes data to a new file readable by its owner only,
// syncs it and renames it to name, so that name never holds part of data.
func writeFileAtomically(name string, data []byte) (err error) {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+"-*") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	// The rename lasts across a crash once the directory is synced.
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
