package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoReady is the line scripts/demo.sh prints once both processes serve.
const demoReady = "Press Ctrl-C to stop both."

// The commands demo.sh prints for the user to paste.
var (
	demoOrg    = regexp.MustCompile(`\(organization ([0-9a-z]{21}),`)
	demoCreate = regexp.MustCompile(`curl -s -X POST (http://\S+/v1/api/organization-invitations) \\\n\s+-H 'Content-Type: application/json' \\\n\s+-d '([^']*)'`)
	demoList   = regexp.MustCompile(`curl -s (http://\S+/v1/api/organization-invitations\?organizationId=\S+)\n`)
	demoMCP    = regexp.MustCompile(`curl -s (http://\S+/mcp) -H 'Content-Type: application/json' \\\n\s+-H 'Accept: application/json, text/event-stream' \\\n\s+-d '([^']*)'`)
)

// TestDemoScript is the acceptance test of `make demo`: scripts/demo.sh starts
// the sandbox and naftiko, the commands it prints work, and Ctrl-C (SIGINT to
// the terminal's process group) stops everything.
//
// The script runs from a scratch tree (bin/ freshly built, scripts/demo.sh and
// capabilities/ linked to the repository's) so that the test neither
// overwrites the repository's bin/ nor writes its .demo/ logs there.
func TestDemoScript(t *testing.T) {
	t.Parallel()
	// Only the repository is needed here, not the Node clients.
	wd, err := os.Getwd()
	require.NoError(t, err)
	repo := filepath.Dir(wd)
	root := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(root, "bin"), 0o755))
	require.NoError(t, os.Mkdir(filepath.Join(root, "scripts"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(repo, "scripts", "demo.sh"), filepath.Join(root, "scripts", "demo.sh")))
	require.NoError(t, os.Symlink(filepath.Join(repo, "capabilities"), filepath.Join(root, "capabilities")))
	require.NoError(t, os.Symlink(buildNaftiko(t, repo), filepath.Join(root, "bin", "naftiko")))
	var out []byte
	build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(root, "bin", "logto-sandbox"), "./cmd/logto-sandbox")
	build.Dir = repo
	out, err = build.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/logto-sandbox:\n%s", out)

	ports := freePorts(t, 3)
	restPort, mcpPort, sandboxPort := ports[0], ports[1], ports[2]
	demo := startDemo(t, root, "REST_PORT="+restPort, "MCP_PORT="+mcpPort, "SANDBOX_PORT="+sandboxPort)
	printed := demo.output.String()

	t.Run("the printed commands work", func(t *testing.T) {
		org := demoOrg.FindStringSubmatch(printed)
		require.NotNil(t, org, "organization id in the output:\n%s", printed)
		orgID := org[1]

		create := demoCreate.FindStringSubmatch(printed)
		require.NotNil(t, create, "REST create command in the output:\n%s", printed)
		assert.Equal(t, "http://127.0.0.1:"+restPort+"/v1/api/organization-invitations", create[1])
		var body map[string]any
		require.NoError(t, json.Unmarshal([]byte(create[2]), &body), "-d of the create command: %s", create[2])
		assert.Equal(t, orgID, body["organizationId"], "the create command invites to the seeded organization")

		res := doJSON(t, http.MethodPost, create[1], body, nil)
		require.Equal(t, http.StatusCreated, res.Status, "create: %s", res.Body)
		var created map[string]any
		require.NoError(t, json.Unmarshal(res.Body, &created), "%s", res.Body)
		assert.Equal(t, "Pending", created["status"])
		assert.Equal(t, orgID, created["organizationId"])
		assert.Equal(t, body["invitee"], created["invitee"])
		id, _ := created["id"].(string)
		require.Regexp(t, logtoID, id)

		list := demoList.FindStringSubmatch(printed)
		require.NotNil(t, list, "REST list command in the output:\n%s", printed)
		assert.Equal(t, "http://127.0.0.1:"+restPort+"/v1/api/organization-invitations?organizationId="+orgID, list[1])
		res = doJSON(t, http.MethodGet, list[1], nil, nil)
		require.Equal(t, http.StatusOK, res.Status, "list: %s", res.Body)
		var invitations []map[string]any
		require.NoError(t, json.Unmarshal(res.Body, &invitations), "%s", res.Body)
		assert.Equal(t, []map[string]any{created}, invitations, "the list holds the new invitation")

		mcp := demoMCP.FindStringSubmatch(printed)
		require.NotNil(t, mcp, "MCP command in the output:\n%s", printed)
		assert.Equal(t, "http://127.0.0.1:"+mcpPort+"/mcp", mcp[1])
		res = doRaw(t, http.MethodPost, mcp[1], mcp[2], http.Header{
			"Content-Type": {"application/json"},
			"Accept":       {"application/json, text/event-stream"},
		})
		assert.Equal(t, http.StatusOK, res.Status, "MCP tools/call: %s", res.Body)
		assert.Contains(t, string(res.Body), id, "the tool lists the new invitation")
		assert.NotContains(t, string(res.Body), `"isError":true`)
	})

	demo.interrupt(t)
	assert.Contains(t, demo.output.String(), "stopped", "demo.sh's goodbye")
	for _, p := range ports {
		conn, err := net.DialTimeout("tcp", "127.0.0.1:"+p, time.Second)
		if err == nil {
			conn.Close()
		}
		assert.Error(t, err, "port %s still accepts connections after Ctrl-C", p)
	}
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(t *testing.T, n int) []string {
	t.Helper()
	ports := make([]string, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close() // held until all are chosen, so they differ
		ports = append(ports, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	return ports
}

// demoRun is a running scripts/demo.sh, leader of its own process group as
// in a terminal.
type demoRun struct {
	cmd     *exec.Cmd
	output  *lineWatch
	done    chan struct{}
	waitErr error
}

func startDemo(t *testing.T, root string, env ...string) *demoRun {
	t.Helper()
	d := &demoRun{output: newLineWatch(demoReady), done: make(chan struct{})}
	d.cmd = exec.Command(filepath.Join(root, "scripts", "demo.sh"))
	d.cmd.Dir = root
	d.cmd.Env = append(os.Environ(), env...)
	d.cmd.Stdout, d.cmd.Stderr = d.output, d.output
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A child left behind would hold the output pipe open forever.
	d.cmd.WaitDelay = stopTimeout
	require.NoError(t, d.cmd.Start())
	go func() {
		d.waitErr = d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.done
		}
	})

	select {
	case <-d.output.seen:
	case <-d.done:
		t.Fatalf("demo.sh exited before %q (%v)\noutput:\n%s", demoReady, d.waitErr, d.output)
	case <-time.After(startTimeout):
		t.Fatalf("no %q within %v\noutput:\n%s", demoReady, startTimeout, d.output)
	}
	return d
}

// interrupt sends SIGINT to the whole process group, as Ctrl-C does, and
// asserts that the script ends and leaves no process of its group behind.
func (d *demoRun) interrupt(t *testing.T) {
	t.Helper()
	pgid := d.cmd.Process.Pid
	require.NoError(t, syscall.Kill(-pgid, syscall.SIGINT))
	select {
	case <-d.done:
	case <-time.After(stopTimeout):
		t.Fatalf("demo.sh did not exit within %v of SIGINT\noutput:\n%s", stopTimeout, d.output)
	}
	assert.True(t, exitedOnInterrupt(d.waitErr), "demo.sh after Ctrl-C: %v (want exit 0 or 130)\noutput:\n%s", d.waitErr, d.output)
	// The script waits for its children, so once it has exited none is left.
	assert.ErrorIs(t, syscall.Kill(-pgid, 0), syscall.ESRCH, "a process of demo.sh's group outlived it")
}

// exitedOnInterrupt reports whether a shell script ended as a script may on
// Ctrl-C: exit 0, exit 130 (128+SIGINT), or killed by SIGINT.
func exitedOnInterrupt(err error) bool {
	if err == nil {
		return true
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return false
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	return ok && (ws.Signaled() && ws.Signal() == syscall.SIGINT || ws.Exited() && ws.ExitStatus() == 128+int(syscall.SIGINT))
}

// doRaw sends body as it is and reads the whole response.
func doRaw(t *testing.T, method, url, body string, header http.Header) httpResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "%s %s", method, url)
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	require.NoError(t, err)
	return httpResponse{Status: resp.StatusCode, Header: resp.Header, Body: buf.Bytes()}
}

// lineWatch collects a process's output and closes seen when a line equal
// to want arrives.
type lineWatch struct {
	mu      sync.Mutex
	all     bytes.Buffer
	partial []byte
	want    string
	seen    chan struct{}
	closed  bool
}

func newLineWatch(want string) *lineWatch {
	return &lineWatch{want: want, seen: make(chan struct{})}
}

func (l *lineWatch) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		if !l.closed && strings.TrimSpace(line) == l.want {
			l.closed = true
			close(l.seen)
		}
	}
	return len(p), nil
}

func (l *lineWatch) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}
