package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is a server process the benchmark started.
type child struct {
	cmd  *exec.Cmd
	done chan error // gets the result of Wait
}

// startChild runs bin with args, its stderr to logFile, and waits until its
// stdout has printed a line matching each pattern; it returns the first
// submatch of each.
func startChild(bin string, args []string, logFile string, patterns ...*regexp.Regexp) (*child, []string, error) {
	log, err := os.Create(logFile)
	if err != nil {
		return nil, nil, err
	}
	defer log.Close() // the child holds its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Stderr = log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", bin, err)
	}
	c := &child{cmd: cmd, done: make(chan error, 1)}
	found := make(chan []string, 1)
	go func() {
		got := make([]string, len(patterns))
		left := len(patterns)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			for i, p := range patterns {
				if m := p.FindStringSubmatch(sc.Text()); m != nil && got[i] == "" {
					got[i] = m[1]
					left--
				}
			}
			if left == 0 {
				found <- got
				left = -1
			}
		}
		c.done <- cmd.Wait()
	}()
	select {
	case got := <-found:
		return c, got, nil
	case err := <-c.done:
		return nil, nil, fmt.Errorf("%s exited before it was ready (%v); see %s", bin, err, logFile)
	case <-time.After(time.Minute):
		c.stop()
		return nil, nil, fmt.Errorf("%s did not print its addresses within a minute; see %s", bin, logFile)
	}
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop asks the child to end (SIGTERM) and kills it if it has not within
// 20s. Ending by the SIGTERM itself is a clean stop.
func (c *child) stop() error {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
			return nil
		}
		return err
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within 20s: killed; %v", c.cmd.Path, <-c.done)
	}
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux platform Go supports.
const clockTicks = 100

// processCPU is the user+system CPU time the process has used, all threads.
func processCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces: fields are counted after its ')'.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] { // utime and stime, fields 14 and 15 of stat(5)
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// usage is a moment's CPU totals: of a server process, of this one, and of
// the whole machine.
type usage struct {
	at                 time.Time
	server, self, busy time.Duration
}

func usageOf(pid int) usage {
	server, _ := processCPU(pid) // 0 if the process has gone: its share is then unknown
	return usage{at: time.Now(), server: server, self: selfCPU(), busy: machineBusy()}
}

// cores is the CPU used over a time, in cores: by the server, by this
// process, and by everything else on the machine (other processes, the
// kernel's unattributed work and time stolen by the hypervisor).
type cores struct {
	Server  float64 `json:"server"`
	Loadgen float64 `json:"loadgen"`
	Others  float64 `json:"others"`
}

// since returns the CPU time used from u until now, and the seconds elapsed.
func (u usage) since(pid int) (c cores, self time.Duration, seconds float64) {
	now := usageOf(pid)
	seconds = now.at.Sub(u.at).Seconds()
	server, busy := now.server-u.server, now.busy-u.busy
	self = now.self - u.self
	c = cores{Server: server.Seconds() / seconds, Loadgen: self.Seconds() / seconds}
	c.Others = max(0, (busy-server-self).Seconds()/seconds)
	return c, self, seconds
}

// machineBusy is the CPU time all CPUs have spent not idle since boot,
// steal included, from the first line of /proc/stat.
func machineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	var ticks int64
	for i, f := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		if i != 3 && i != 4 && i < 8 { // not idle or iowait; guest time is within user
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// selfCPU is the user+system CPU time of this process.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssBytes is the resident set size of the process (VmRSS).
func rssBytes(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc/status")
}

// openFiles is the soft limit of open files of a process.
func openFiles(pid int) (int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			return strconv.Atoi(strings.Fields(rest)[0])
		}
	}
	return 0, errors.New("no open-file limit in /proc/limits")
}

// raiseOpenFiles lifts the soft limit of open files to at least need, which
// the children inherit. Go already raises it to the hard limit at start; a
// hard limit below need takes privileges to lift.
func raiseOpenFiles(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= need {
		return nil
	}
	lim.Cur, lim.Max = need, max(lim.Max, need)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raise the open-file limit to %d (ulimit -Hn, or run with fewer -mem-subscribers): %w", need, err)
	}
	return nil
}

// machine describes where the benchmark ran.
type machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpuModel"`
	MemoryMB int64  `json:"memoryMB"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
}

func describeMachine() machine {
	m := machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(data), "MemTotal: %d kB", &kb); err == nil {
			m.MemoryMB = kb >> 10
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}
