package boltstore

import (
	"os"
	"syscall"
)

// fdatasync syncs f's data and the size, not its times, as bbolt does on Linux.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
