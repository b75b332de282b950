package local

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EventsAPIKeyFile is the file in the data directory that holds the events
// endpoint's API key when none is configured: the key alone on one line.
const EventsAPIKeyFile = "events-api-key"

// newEventsAPIKey returns a random key in the form of AppSync's: "da2-" and
// 26 lowercase base32 characters (128 random bits).
func newEventsAPIKey() string { return "da2-" + strings.ToLower(rand.Text()) }

// eventsAPIKey reads the key in dir's EventsAPIKeyFile or, on the first
// start, creates the file with a new key. It returns the key and the file.
func eventsAPIKey(dir string) (key, file string, err error) {
	file = filepath.Join(dir, EventsAPIKeyFile)
	raw, err := os.ReadFile(file)
	switch {
	case err == nil:
		key = strings.TrimSpace(string(raw))
		if key == "" || strings.ContainsAny(key, " \t\r\n") {
			return "", "", fmt.Errorf("%s does not hold one API key: delete it to have a new one made", file)
		}
		return key, file, nil
	case errors.Is(err, fs.ErrNotExist):
		key = newEventsAPIKey()
		if err := writeFileAtomically(file, []byte(key+"\n")); err != nil {
			return "", "", fmt.Errorf("create the events API key: %w", err)
		}
		return key, file, nil
	default:
		return "", "", fmt.Errorf("read the events API key: %w", err)
	}
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
