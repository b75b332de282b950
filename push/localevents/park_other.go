//go:build !unix

package localevents

// socketReadable reports true: where a socket cannot be peeked at, the
// reader waits inside the WebSocket library.
func socketReadable(uintptr) bool { return true }
