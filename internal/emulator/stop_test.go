package emulator

import (
	"bufio"
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCloseStopsABusyRuntime: the emulator starts the runtime in a process
// group of its own, so stopping the emulator's group alone left a runtime
// that was running an invocation alive, holding the output pipe, and Close
// waited for it forever.
func TestCloseStopsABusyRuntime(t *testing.T) {
	t.Parallel()
	emulatorPath, bootstrap := build(t)
	f, err := Start(t.Context(), Config{Emulator: emulatorPath, Bootstrap: bootstrap, Name: "echo-busy", Region: "us-east-1",
		MemoryMB: 128, Timeout: 60 * time.Second, Instances: 1})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ended := make(chan error, 1)
	go func() {
		_, err := f.Invoke(t.Context(), []byte(`{"hold":"`+l.Addr().String()+`"}`))
		ended <- err
	}()
	conn := acceptHold(t, l, ended)
	defer conn.Close() // held open: the invocation runs until Close stops it
	if err := conn.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- f.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return within 30 s while the runtime was busy")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the runtime (pid %d) is still running after Close: %v", pid, err)
	}
}
