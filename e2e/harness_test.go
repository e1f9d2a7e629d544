package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/naftiko-go/naftiko/internal/secrettest"
)

const (
	// startTimeout bounds the wait for naftiko's "listening" log lines.
	startTimeout = 30 * time.Second
	// stopTimeout bounds the wait for naftiko to exit after SIGTERM.
	stopTimeout = 15 * time.Second
	// clientTimeout bounds one run of a Node client.
	clientTimeout = 90 * time.Second
)

// tools are the paths of the independent clients, checked before use.
type tools struct {
	e2eDir      string // absolute path of this directory
	repoRoot    string
	node        string // the machine's Node (20), runs client.mjs
	node22      string // node_modules/.bin/node, from the npm package node@22
	conformance string // node_modules/.bin/conformance
	spectral    string // node_modules/.bin/spectral (runs on node)
	clientJS    string
}

// requireTools finds the Node clients, failing (never skipping) with the fix
// when they are not installed: CI installs them, so a missing client is a
// defect, not a reason to skip.
func requireTools(t *testing.T) tools {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	tl := tools{
		e2eDir:      dir,
		repoRoot:    filepath.Dir(dir),
		node22:      filepath.Join(dir, "node_modules", ".bin", "node"),
		conformance: filepath.Join(dir, "node_modules", ".bin", "conformance"),
		spectral:    filepath.Join(dir, "node_modules", ".bin", "spectral"),
		clientJS:    filepath.Join(dir, "client.mjs"),
	}
	const fix = "run `make e2e-deps` first (it runs `npm ci` in e2e/)"
	for _, p := range []string{
		filepath.Join(dir, "node_modules"),
		filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk", "package.json"),
		tl.conformance,
		tl.spectral,
		tl.node22,
	} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("e2e clients are not installed (%v): %s", err, fix)
		}
	}
	out, err := exec.CommandContext(t.Context(), tl.node22, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "v22.") {
		t.Fatalf("%s --version = %q, %v; want v22.x (the npm package node@22 needs its install script): %s",
			tl.node22, bytes.TrimSpace(out), err, fix)
	}
	tl.node, err = exec.LookPath("node")
	if err != nil {
		t.Fatalf("node (>= 20) is not on PATH: %v", err)
	}
	return tl
}

// binEnv names a prebuilt naftiko binary to test instead of building one
// (for example a release artifact).
const binEnv = "NAFTIKO_E2E_BIN"

// buildNaftiko builds ./cmd/naftiko into a temporary directory, unless
// $NAFTIKO_E2E_BIN names a binary to test.
func buildNaftiko(t *testing.T, repoRoot string) string {
	t.Helper()
	if bin := os.Getenv(binEnv); bin != "" {
		abs, err := filepath.Abs(bin)
		require.NoError(t, err)
		t.Logf("testing %s=%s", binEnv, abs)
		return abs
	}
	bin := filepath.Join(t.TempDir(), "naftiko")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/naftiko")
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/naftiko:\n%s", out)
	return bin
}

// listener is one adapter's "listening" log line.
type listener struct {
	Adapter string `json:"adapter"`
	Type    string `json:"type"`
	Addr    string `json:"addr"`
}

// naftiko is a running `naftiko serve` process.
type naftiko struct {
	cmd       *exec.Cmd
	stderr    *logLines
	stdout    bytes.Buffer
	listeners map[string]listener // by adapter namespace
	done      chan struct{}       // closed when the process has exited
	waitErr   error
	stopOnce  sync.Once
}

// startNaftiko runs `naftiko serve ARGS...` and waits, without sleeping, for
// one "listening" line per adapter in wantAdapters.
func startNaftiko(t *testing.T, bin string, env []string, wantAdapters []string, args ...string) *naftiko {
	t.Helper()
	n := &naftiko{
		stderr:    newLogLines(),
		listeners: map[string]listener{},
		done:      make(chan struct{}),
	}
	n.cmd = exec.Command(bin, append([]string{"serve"}, args...)...)
	n.cmd.Env = append(os.Environ(), env...)
	n.cmd.Stdout = &n.stdout
	n.cmd.Stderr = n.stderr
	require.NoError(t, n.cmd.Start())
	go func() {
		n.waitErr = n.cmd.Wait()
		close(n.done)
	}()
	t.Cleanup(func() { n.stop(t) })

	timeout := time.NewTimer(startTimeout)
	defer timeout.Stop()
	for len(n.listeners) < len(wantAdapters) {
		select {
		case l := <-n.stderr.listening:
			n.listeners[l.Adapter] = l
		case <-n.done:
			t.Fatalf("naftiko exited before listening (%v)\nstderr:\n%s", n.waitErr, n.stderr)
		case <-timeout.C:
			t.Fatalf("no \"listening\" line for every adapter of %v within %v\nstderr:\n%s", wantAdapters, startTimeout, n.stderr)
		}
	}
	for _, a := range wantAdapters {
		require.Contains(t, n.listeners, a, "listening adapters; stderr:\n%s", n.stderr)
	}
	return n
}

// stop sends SIGTERM and asserts a clean exit with status 0. It is safe to
// call more than once; the first call decides.
func (n *naftiko) stop(t *testing.T) {
	t.Helper()
	n.stopOnce.Do(func() {
		select {
		case <-n.done:
			if !t.Failed() { // otherwise the failure has already said so
				t.Errorf("naftiko exited before SIGTERM (%v)\nstderr:\n%s", n.waitErr, n.stderr)
			}
			return
		default:
		}
		require.NoError(t, n.cmd.Process.Signal(syscall.SIGTERM))
		select {
		case <-n.done:
		case <-time.After(stopTimeout):
			_ = n.cmd.Process.Kill()
			<-n.done
			t.Errorf("naftiko did not exit within %v of SIGTERM\nstderr:\n%s", stopTimeout, n.stderr)
			return
		}
		if n.waitErr != nil {
			t.Errorf("naftiko after SIGTERM: %v (want exit status 0)\nstderr:\n%s", n.waitErr, n.stderr)
		}
		// Every line naftiko wrote, error answers logged included.
		secrettest.AssertNone(t, "naftiko's output", n.stderr.String()+n.stdout.String())
	})
}

// logLines collects a process's stderr and reports each JSON "listening"
// line as it arrives.
type logLines struct {
	mu        sync.Mutex
	all       bytes.Buffer
	partial   []byte
	listening chan listener
}

func newLogLines() *logLines {
	// Buffered well beyond the number of adapters so Write never blocks.
	return &logLines{listening: make(chan listener, 64)}
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := l.partial[:i]
		l.partial = l.partial[i+1:]
		var rec struct {
			Msg string `json:"msg"`
			listener
		}
		if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" && rec.Addr != "" {
			select {
			case l.listening <- rec.listener:
			default:
			}
		}
	}
	return len(p), nil
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

// runNode runs a Node program in dir and returns its stdout, its stderr and
// the error of the run (an *exec.ExitError for a non-zero exit).
func runNode(t *testing.T, dir string, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	// The clients need nothing from the user's home; a scratch HOME keeps
	// them from writing into it.
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "NO_COLOR=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (timeout %v)", err, clientTimeout)
	}
	// What the clients print holds every answer they got: tool results,
	// error messages, conformance reports.
	secrettest.AssertNone(t, "the output of the Node client", out.String()+errOut.String())
	return ansi.ReplaceAll(out.Bytes(), nil), ansi.ReplaceAll(errOut.Bytes(), nil), err
}

// ansi matches terminal colour sequences, which the conformance runner
// prints even without a terminal.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// mcpURL is the MCP endpoint of an adapter's listener.
func mcpURL(l listener) string {
	return fmt.Sprintf("http://%s/mcp", l.Addr)
}
