package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// config are the flags of `benchrun run`.
type config struct {
	naftiko, hello, capability, doc, command, loadBefore string
	engineFlags, label                                   string
	maxTime                                              time.Duration
	rounds, conc, concBig, concSlow, soak, cold          int
	dur, durC1, durBig, durSlow                          time.Duration
}

// measured is one phase against one target.
type measured struct {
	res           result
	cpuUS, upCPUS float64 // serving process and upstream CPU µs per request
}

// series is one target's phases across rounds.
type series struct {
	label, kind string // kind: direct, proxy, bare-mcp, rest, mcp
	t           target
	serve       *proc
	c16, c1     []measured
	big, slow   []measured
	bigT, slowT target
}

func run(args []string) error {
	var c config
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&c.naftiko, "naftiko", "bin/naftiko", "naftiko `binary`")
	fs.StringVar(&c.hello, "hello", "", "bare net/http `binary` for the cold-start baseline")
	fs.StringVar(&c.capability, "capability", "bench/capability.yaml", "capability `file`")
	fs.StringVar(&c.doc, "doc", "", "markdown `file` whose results section is replaced (empty: stdout only)")
	fs.StringVar(&c.command, "command", "bench/run.sh", "command shown in the report")
	fs.StringVar(&c.loadBefore, "loadavg", "", "load average before the build, shown in the report")
	fs.StringVar(&c.label, "label", "", "what naftiko binary this is (version, commit), shown in the report")
	fs.StringVar(&c.engineFlags, "engine-flags", "", "extra `flags` for naftiko serve (space-separated), e.g. \"--log-level warn\"")
	fs.DurationVar(&c.maxTime, "max-time", 5*time.Minute, "stop (and fail) after this long")
	fs.IntVar(&c.rounds, "rounds", 5, "interleaved rounds")
	fs.IntVar(&c.conc, "c", 16, "concurrency of the throughput phases")
	fs.IntVar(&c.concBig, "cbig", 4, "concurrency of the 100 KB phases")
	fs.IntVar(&c.concSlow, "cslow", 64, "concurrency of the 50 ms phases")
	fs.IntVar(&c.soak, "soak", 100000, "MCP tool calls of the soak (RSS check)")
	fs.IntVar(&c.cold, "cold", 8, "cold starts of each binary")
	fs.DurationVar(&c.dur, "d", 1500*time.Millisecond, "duration of a throughput phase")
	fs.DurationVar(&c.durC1, "d1", 750*time.Millisecond, "duration of a concurrency-1 phase")
	fs.DurationVar(&c.durBig, "dbig", 750*time.Millisecond, "duration of a 100 KB phase")
	fs.DurationVar(&c.durSlow, "dslow", 1500*time.Millisecond, "duration of a 50 ms phase")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.hello == "" {
		return errors.New("-hello is required")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, c.maxTime)
	defer cancel()

	rep := &report{cfg: c, started: time.Now(), loadStart: readFirstLine("/proc/loadavg")}
	rep.sysBusy0, rep.sysTotal0, _ = systemCPU()

	// Fixtures and the engine.
	var procs []*proc
	defer func() {
		for _, p := range slices.Backward(procs) {
			p.stop()
		}
	}()
	up, err := startFixture(self, "upstream")
	if err != nil {
		return err
	}
	procs = append(procs, up)
	upURL := "http://" + up.addrs[""]
	px, err := startFixture(self, "proxy", upURL)
	if err != nil {
		return err
	}
	procs = append(procs, px)
	bare, err := startFixture(self, "mcpbare", upURL)
	if err != nil {
		return err
	}
	procs = append(procs, bare)
	// Cold starts time the `listening` log lines, so they run without
	// -engine-flags (which may raise the log level).
	engineArgs := func(rest, mcp string, extra bool) []string {
		a := []string{"serve", "--base-uri", "fake=" + upURL, "--port", "bench-rest=" + rest, "--port", "bench-mcp=" + mcp}
		if extra {
			a = append(a, strings.Fields(c.engineFlags)...)
		}
		return append(a, c.capability)
	}
	restAddr, err := freeAddr()
	if err != nil {
		return err
	}
	mcpAddr, err := freeAddr()
	if err != nil {
		return err
	}
	eng, err := startOnAddrs("naftiko", map[string]string{"rest": restAddr, "mcp": mcpAddr}, c.naftiko,
		engineArgs(portOf(restAddr), portOf(mcpAddr), true)...)
	if err != nil {
		return err
	}
	procs = append(procs, eng)
	time.Sleep(300 * time.Millisecond)
	rep.idle = map[string]memInfo{"upstream": readMem(up.pid()), "proxy": readMem(px.pid()),
		"mcpbare": readMem(bare.pid()), "naftiko": readMem(eng.pid())}

	restURL := "http://" + eng.addrs["rest"]
	mcpURL := "http://" + eng.addrs["mcp"] + "/mcp"
	bareURL := "http://" + bare.addrs[""] + "/mcp"
	pxURL := "http://" + px.addrs[""]
	all := []*series{
		{label: "A. upstream direct", kind: "direct", serve: up,
			t: target{url: upURL + "/users/42"}, bigT: target{url: upURL + "/big"}, slowT: target{url: upURL + "/slow"}},
		{label: "B. bare httputil.ReverseProxy", kind: "proxy", serve: px,
			t: target{url: pxURL + "/users/42"}, bigT: target{url: pxURL + "/big"}, slowT: target{url: pxURL + "/slow"}},
		{label: "C. bare mcp-go tool", kind: "bare-mcp", serve: bare,
			t:     target{url: bareURL, tool: "get_user", args: `{"id":"42"}`},
			bigT:  target{url: bareURL, tool: "get_big", args: `{}`},
			slowT: target{url: bareURL, tool: "get_slow", args: `{}`}},
		{label: "D. naftiko REST route", kind: "rest", serve: eng,
			t: target{url: restURL + "/users/42"}, bigT: target{url: restURL + "/big"}, slowT: target{url: restURL + "/slow"}},
		{label: "E. naftiko MCP tool", kind: "mcp", serve: eng,
			t:     target{url: mcpURL, tool: "get_user", args: `{"id":"42"}`},
			bigT:  target{url: mcpURL, tool: "get_big", args: `{}`},
			slowT: target{url: mcpURL, tool: "get_slow", args: `{}`}},
	}
	rep.series = all
	client := newLoadClient(max(c.conc, c.concSlow))

	// Sanity: every target answers as expected before anything is timed.
	for _, s := range all {
		for _, t := range []target{s.t, s.bigT, s.slowT} {
			if r := load(client, t, 1, 1, 10*time.Second); r.n != 1 {
				return fmt.Errorf("%s (%s %s): %s", s.label, t.url, t.tool, r.firstErr)
			}
		}
	}
	measure := func(s *series, t target, workers, maxN int, d time.Duration) measured {
		c0, u0 := cpuTicks(s.serve.pid()), cpuTicks(up.pid())
		r := load(client, t, workers, maxN, d)
		c1, u1 := cpuTicks(s.serve.pid()), cpuTicks(up.pid())
		m := measured{res: r}
		if r.n > 0 {
			m.cpuUS = float64(c1-c0) * 1e6 / clkTck / float64(r.n)
			m.upCPUS = float64(u1-u0) * 1e6 / clkTck / float64(r.n)
		}
		if r.errs > 0 {
			rep.errors = append(rep.errors, fmt.Sprintf("%s %s: %d errors, first: %s", s.label, t.tool+t.url, r.errs, r.firstErr))
		}
		return m
	}

	logf("warm-up")
	for _, s := range all {
		measure(s, s.t, c.conc, 1_000_000, 500*time.Millisecond)
		measure(s, s.bigT, c.concBig, 1_000_000, 250*time.Millisecond)
	}
	rep.warm = readMem(eng.pid())

	for r := range c.rounds {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		logf("round %d/%d", r+1, c.rounds)
		for _, s := range all {
			s.c16 = append(s.c16, measure(s, s.t, c.conc, 1_000_000, c.dur))
		}
		for _, s := range all {
			s.c1 = append(s.c1, measure(s, s.t, 1, 100_000, c.durC1))
		}
		for _, s := range all {
			s.big = append(s.big, measure(s, s.bigT, c.concBig, 100_000, c.durBig))
		}
	}
	logf("50 ms upstream at c=%d", c.concSlow)
	for _, s := range all {
		s.slow = append(s.slow, measure(s, s.slowT, c.concSlow, 100_000, c.durSlow))
	}
	rep.afterRounds = map[string]memInfo{"proxy": readMem(px.pid()), "mcpbare": readMem(bare.pid()), "naftiko": readMem(eng.pid())}
	rep.logBytes0, rep.logLines0 = eng.logBytes.Load(), eng.logLines.Load()

	// Soak: RSS every fifth of the MCP calls.
	mcpS := all[4]
	soakStart := time.Now()
	step := max(c.soak/5, 1)
	for done := 0; done < c.soak && time.Since(soakStart) < 90*time.Second && ctx.Err() == nil; done += step {
		logf("soak: %d/%d MCP calls", done+step, c.soak)
		m := measure(mcpS, mcpS.t, c.conc, step, 30*time.Second)
		rep.soak = append(rep.soak, soakPoint{calls: done + m.res.n, mem: readMem(eng.pid()), rps: m.res.rps(), cpuUS: m.cpuUS})
	}
	rep.logBytes1, rep.logLines1 = eng.logBytes.Load(), eng.logLines.Load()

	// Cold starts, interleaved, with the upstream still up.
	if c.cold > 0 {
		logf("cold starts")
	}
	for range c.cold {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		cs, err := coldStart("hello", 1, c.hello)
		if err != nil {
			return err
		}
		rep.coldHello = append(rep.coldHello, cs)
		cs, err = coldStart("naftiko", 2, c.naftiko, engineArgs("0", "0", false)...)
		if err != nil {
			return err
		}
		rep.coldEngine = append(rep.coldEngine, cs)
		cs, err = coldStartFixture(self, "mcpbare", upURL)
		if err != nil {
			return err
		}
		rep.coldBare = append(rep.coldBare, cs)
	}

	rep.sysBusy1, rep.sysTotal1, _ = systemCPU()
	for _, p := range procs {
		rep.ourTicks += cpuTicks(p.pid())
	}
	rep.ourTicks += cpuTicks(os.Getpid())
	rep.loadEnd = readFirstLine("/proc/loadavg")
	rep.elapsed = time.Since(rep.started)
	md := rep.markdown()
	fmt.Println(md)
	if c.doc != "" {
		if err := splice(c.doc, md); err != nil {
			return err
		}
		logf("wrote %s", c.doc)
	}
	if len(rep.errors) > 0 {
		return fmt.Errorf("%d phase(s) had errors (see the report)", len(rep.errors))
	}
	return nil
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// cold is one cold start.
type cold struct {
	listen, first time.Duration
	mem           memInfo
}

// coldStart execs a server, times the listening log line and the first
// answered request, reads its RSS and stops it.
func coldStart(name string, lines int, bin string, args ...string) (cold, error) {
	start := time.Now()
	p, listen, err := startServer(name, lines, bin, args...)
	if err != nil {
		return cold{}, err
	}
	defer p.stop()
	addr := p.addrs["rest"]
	if addr == "" {
		addr = p.addrs[""]
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := c.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			return cold{}, fmt.Errorf("%s: no answer within 5s: %w", name, err)
		}
		time.Sleep(time.Millisecond)
	}
	first := time.Since(start)
	time.Sleep(100 * time.Millisecond)
	return cold{listen: listen, first: first, mem: readMem(p.pid())}, nil
}

// coldStartFixture times a fixture from exec to its printed address (it
// prints it right after binding) and to its first answered request.
func coldStartFixture(self, kind string, args ...string) (cold, error) {
	start := time.Now()
	p, err := startFixture(self, kind, args...)
	if err != nil {
		return cold{}, err
	}
	defer p.stop()
	listen := time.Since(start)
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + p.addrs[""] + "/")
	if err != nil {
		return cold{}, fmt.Errorf("%s: %w", kind, err)
	}
	resp.Body.Close()
	first := time.Since(start)
	time.Sleep(100 * time.Millisecond)
	return cold{listen: listen, first: first, mem: readMem(p.pid())}, nil
}

const (
	beginMark = "<!-- bench:results:begin -->"
	endMark   = "<!-- bench:results:end -->"
)

// splice replaces the results section of doc.
func splice(doc, md string) error {
	b, err := os.ReadFile(doc)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, beginMark), strings.Index(s, endMark)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s section", doc, beginMark, endMark)
	}
	out := s[:i+len(beginMark)] + "\n" + md + "\n" + s[j:]
	return os.WriteFile(doc, []byte(out), 0o644)
}
