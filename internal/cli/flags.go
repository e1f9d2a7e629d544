package cli

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// pairs is a repeatable NAME=VALUE flag.
type pairs struct{ m map[string]string }

func (p *pairs) String() string {
	if p == nil || len(p.m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(p.m))
	for k := range p.m {
		keys = append(keys, k+"="+p.m[k])
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func (p *pairs) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" || value == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	if p.m == nil {
		p.m = map[string]string{}
	}
	if _, dup := p.m[name]; dup {
		return fmt.Errorf("%s given twice", name)
	}
	p.m[name] = value
	return nil
}

// list is a repeatable string flag.
type list struct{ v []string }

func (l *list) String() string { return strings.Join(l.v, ",") }

func (l *list) Set(s string) error {
	l.v = append(l.v, s)
	return nil
}

// readEnvFile reads KEY=VALUE lines: blank lines and # comments are skipped,
// an `export ` prefix and matching surrounding quotes are removed.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			// The line may hold a secret: name the line, never its text.
			return nil, fmt.Errorf("%s:%d: want KEY=VALUE", path, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		env[k] = v
	}
	return env, sc.Err()
}

// timeouts is the repeatable --timeout flag: a bare duration sets the
// timeout of every upstream call; NS=D sets consumer NS's and NS.OP=D the
// one of operation OP of consumer NS.
type timeouts struct {
	def time.Duration
	per map[string]time.Duration
}

func (t *timeouts) String() string {
	if t == nil {
		return ""
	}
	return t.def.String()
}

func (t *timeouts) Set(s string) error {
	key, v, scoped := strings.Cut(s, "=")
	if !scoped {
		v = s
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("want a positive duration such as 30s, NS=D or NS.OP=D, got %q", s)
	}
	if !scoped {
		t.def = d
		return nil
	}
	if key == "" {
		return fmt.Errorf("want NS=D or NS.OP=D, got %q", s)
	}
	if t.per == nil {
		t.per = map[string]time.Duration{}
	}
	if _, dup := t.per[key]; dup {
		return fmt.Errorf("%s given twice", key)
	}
	t.per[key] = d
	return nil
}

// parseInterspersed parses flags wherever they stand among the arguments
// (`naftiko serve cap.yaml --port api=8080` as well as flags first), as
// most command lines allow; "--" ends the flags. Afterwards fs.Args() are
// the positional arguments in their order.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" && !isFlagValue(fs, args[:consumed-1]) {
			positional = append(positional, rest...)
			break
		}
		i := 0
		for i < len(rest) && !isFlagArg(rest[i]) {
			i++
		}
		positional = append(positional, rest[:i]...)
		if i == len(rest) {
			break
		}
		args = rest[i:]
	}
	// Parse once more so that fs.Args() holds exactly the positionals.
	return fs.Parse(append([]string{"--"}, positional...))
}

// isFlagValue reports whether the argument after before was taken as the
// value of the flag that ends before ("--address --": "--" is a value).
func isFlagValue(fs *flag.FlagSet, before []string) bool {
	if len(before) == 0 {
		return false
	}
	last := before[len(before)-1]
	if !isFlagArg(last) || last == "--" || strings.Contains(last, "=") {
		return false
	}
	f := fs.Lookup(strings.TrimLeft(last, "-"))
	if f == nil {
		return false
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return false
	}
	return true
}

// isFlagArg reports whether a command-line argument is a flag ("-" alone
// is a positional argument, standard input by convention).
func isFlagArg(s string) bool { return len(s) > 1 && s[0] == '-' }
