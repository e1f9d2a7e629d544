package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// clkTck is USER_HZ, the unit of utime/stime in /proc/PID/stat (100 on
// every mainstream Linux build).
const clkTck = 100

// proc is one child process of the driver.
type proc struct {
	name     string
	cmd      *exec.Cmd
	addrs    map[string]string // "" for fixtures; "rest"/"mcp" for naftiko
	logBytes atomic.Int64      // stderr bytes seen after readiness
	logLines atomic.Int64
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	// The children die with the driver, even on SIGKILL.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// startFixture starts `self kind args…` and reads its address from stdout.
func startFixture(self, kind string, args ...string) (*proc, error) {
	cmd := command(self, append([]string{kind}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{name: kind, cmd: cmd, addrs: map[string]string{}}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case l, ok := <-line:
		if !ok || l == "" {
			p.stop()
			return nil, fmt.Errorf("%s: exited before printing its address", kind)
		}
		p.addrs[""] = strings.TrimSpace(l)
	case <-time.After(10 * time.Second):
		p.stop()
		return nil, fmt.Errorf("%s: no address within 10s", kind)
	}
	return p, nil
}

// startServer execs a server that logs `msg=listening … addr=…` lines on
// stderr (naftiko, hello) and returns once `want` such lines were seen. It
// returns the time from exec to the last listening line. The rest of stderr
// is counted and discarded.
func startServer(name string, want int, bin string, args ...string) (*proc, time.Duration, error) {
	cmd := command(bin, args...)
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, 0, err
	}
	p := &proc{name: name, cmd: cmd, addrs: map[string]string{}}
	ready := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	go func() {
		r := bufio.NewReader(errPipe)
		seen := 0
		var early []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				if seen < want {
					ready <- fmt.Errorf("%s exited before listening: %s", name, strings.Join(early, ""))
				}
				return
			}
			if seen >= want {
				p.logBytes.Add(int64(len(line)))
				p.logLines.Add(1)
				continue
			}
			early = append(early, line)
			if !strings.Contains(line, "msg=listening") {
				continue
			}
			typ, addr := field(line, "type"), field(line, "addr")
			p.addrs[typ] = addr
			if seen++; seen == want {
				ready <- nil
			}
		}
	}()
	select {
	case err := <-ready:
		d := time.Since(start)
		if err != nil {
			p.stop()
			return nil, 0, err
		}
		return p, d, nil
	case <-time.After(15 * time.Second):
		p.stop()
		return nil, 0, fmt.Errorf("%s: not listening within 15s", name)
	}
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startOnAddrs execs a server told to listen on addrs and returns once every
// one accepts connections (so it works whatever the log level). Its stderr
// is counted and discarded; the first lines are kept for error messages.
func startOnAddrs(name string, addrs map[string]string, bin string, args ...string) (*proc, error) {
	cmd := command(bin, args...)
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, addrs: addrs}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan string, 1)
	go func() {
		r := bufio.NewReader(errPipe)
		var head []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				exited <- strings.Join(head, "")
				return
			}
			if len(head) < 20 {
				head = append(head, line)
			}
			p.logBytes.Add(int64(len(line)))
			p.logLines.Add(1)
		}
	}()
	deadline := time.Now().Add(15 * time.Second)
	for _, a := range addrs {
		for {
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case out := <-exited:
				p.stop()
				return nil, fmt.Errorf("%s exited before listening on %s: %s", name, a, out)
			default:
			}
			if time.Now().After(deadline) {
				p.stop()
				return nil, fmt.Errorf("%s: not listening on %s within 15s", name, a)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return p, nil
}

// field reads key=value from a slog text line.
func field(line, key string) string {
	i := strings.Index(line, " "+key+"=")
	if i < 0 {
		return ""
	}
	v := line[i+len(key)+2:]
	if j := strings.IndexAny(v, " \n"); j >= 0 {
		v = v[:j]
	}
	return v
}

// stop sends SIGTERM, waits up to 3 s, then kills.
func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// cpuTicks is utime+stime of pid (all threads) in clock ticks.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// memInfo is what /proc says about a process's footprint.
type memInfo struct {
	rssKB, threads, fds int64
}

func readMem(pid int) memInfo {
	var m memInfo
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB"))
		switch k {
		case "VmRSS":
			m.rssKB, _ = strconv.ParseInt(v, 10, 64)
		case "Threads":
			m.threads, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		m.fds = int64(len(ents))
	}
	return m
}

// systemCPU reads the machine's busy and total jiffies from /proc/stat.
func systemCPU() (busy, total int64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, 0, errors.New("unexpected /proc/stat")
	}
	for i, s := range f[1:] {
		n, _ := strconv.ParseInt(s, 10, 64)
		if i >= 8 { // guest time is already in user
			break
		}
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total, nil
}

func readFirstLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "?"
	}
	l, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(l)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
