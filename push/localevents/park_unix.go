//go:build unix

package localevents

import "syscall"

// socketReadable is a syscall.RawConn.Read callback that reports whether
// the socket has data, an end or an error to read, without taking any of
// it. It must look: the runtime forgets an earlier readiness before the
// first call, so waiting while data sits unread would wait for more.
func socketReadable(fd uintptr) bool {
	var b [1]byte
	_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return err != syscall.EAGAIN
}
