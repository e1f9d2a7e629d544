package skill

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/naftiko-go/naftiko/internal/expose"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// Problem is a start-up problem of a skill adapter.
type Problem struct {
	Loc     spec.Loc
	Message string
	// Warning is set for problems that do not stop the adapter.
	Warning bool
}

// Check validates the skill adapter x against its sibling adapters with the
// reference engine's start-up rules and messages: each tool defines exactly
// one of from and instruction, from names a sibling REST or MCP adapter, an
// instruction tool needs the skill's location. An action the sibling does
// not declare is a warning.
func Check(x *spec.Expose, siblings []*spec.Expose) []Problem {
	if x == nil || x.Skill == nil {
		return nil
	}
	targets := map[string]*spec.Expose{}
	var names []string
	for _, s := range siblings {
		if s != nil && (s.Rest != nil || s.MCP != nil) {
			targets[s.Namespace] = s
			names = append(names, s.Namespace)
		}
	}
	var out []Problem
	for _, sk := range x.Skill.Skills {
		if sk == nil {
			continue
		}
		for _, t := range sk.Tools {
			if t == nil {
				continue
			}
			prefix := fmt.Sprintf("Skill tool '%s' in skill '%s'", t.Name, sk.Name)
			switch {
			case t.From == nil && t.Instruction == "":
				out = append(out, Problem{Loc: t.Loc, Message: prefix + " must define either 'from' or 'instruction'."})
			case t.From != nil && t.Instruction != "":
				out = append(out, Problem{Loc: t.Loc, Message: prefix + " cannot define both 'from' and 'instruction'."})
			case t.From != nil:
				target := targets[t.From.SourceNamespace]
				if target == nil {
					out = append(out, Problem{Loc: t.From.Loc, Message: fmt.Sprintf("%s references unknown namespace '%s'. Expected one of: [%s]",
						prefix, t.From.SourceNamespace, strings.Join(names, ", "))})
				} else if !hasAction(target, t.From.Action) {
					out = append(out, Problem{Loc: t.From.Loc, Warning: true, Message: fmt.Sprintf("%s references action '%s', which adapter '%s' does not declare",
						prefix, t.From.Action, target.Namespace)})
				}
			case sk.Location == "":
				out = append(out, Problem{Loc: t.Loc, Message: prefix + " uses 'instruction' but the skill has no 'location' configured."})
			}
		}
	}
	return out
}

// hasAction reports whether the adapter declares an operation or tool named
// action.
func hasAction(x *spec.Expose, action string) bool {
	if x.MCP != nil {
		return slices.ContainsFunc(x.MCP.Tools, func(t *spec.Tool) bool { return t != nil && t.Name == action })
	}
	for _, r := range x.Rest.Resources {
		if r != nil && slices.ContainsFunc(r.Operations, func(o *spec.RestOperation) bool { return o != nil && o.Name == action }) {
			return true
		}
	}
	return false
}

// Options configure the skill adapter.
type Options struct {
	// Logger receives failures; nil discards them.
	Logger *slog.Logger
}

// New builds the HTTP handler of a skill adapter: GET /skills,
// /skills/{name}, /skills/{name}/download, /skills/{name}/contents and
// /skills/{name}/contents/{file...}. Call Check first; New fails on the
// first error-level problem.
func New(x *spec.Expose, siblings []*spec.Expose, opts Options) (http.Handler, error) {
	if x == nil || x.Skill == nil {
		return nil, errors.New("skill: adapter is not a skill adapter")
	}
	for _, p := range Check(x, siblings) {
		if !p.Warning {
			return nil, errors.New(p.Message)
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &catalogue{x: x, log: log.With("component", "skill", "adapter", x.Namespace), skills: map[string]*entry{}, modes: map[string]string{}}
	for _, s := range siblings {
		switch {
		case s == nil:
		case s.Rest != nil:
			a.modes[s.Namespace] = "rest"
		case s.MCP != nil:
			a.modes[s.Namespace] = "mcp"
		}
	}
	for _, sk := range x.Skill.Skills {
		if sk == nil {
			continue
		}
		if _, dup := a.skills[sk.Name]; dup {
			return nil, fmt.Errorf("skill: %s: skill %q is declared twice", sk.Path, sk.Name)
		}
		e := &entry{s: sk}
		if sk.Location != "" {
			dir, err := expose.ResolveLocation(sk.Location, x.Pos.File)
			if err != nil {
				return nil, fmt.Errorf("skill: %s: skill %q: %w", sk.Path, sk.Name, err)
			}
			e.dir = dir
		}
		a.skills[sk.Name] = e
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /skills", a.list)
	mux.HandleFunc("GET /skills/{name}", a.detail)
	mux.HandleFunc("GET /skills/{name}/download", a.download)
	mux.HandleFunc("GET /skills/{name}/contents", a.contents)
	mux.HandleFunc("GET /skills/{name}/contents/{file...}", a.file)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no skill endpoint at "+r.URL.Path)
	})
	return mux, nil
}

type catalogue struct {
	x      *spec.Expose
	log    *slog.Logger
	skills map[string]*entry
	modes  map[string]string // sibling namespace → rest | mcp
}

type entry struct {
	s   *spec.Skill
	dir string // resolved location, "" when none
}

type summary struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	License     string   `json:"license,omitempty"`
	Tools       []string `json:"tools"`
}

type listBody struct {
	Count  int       `json:"count"`
	Skills []summary `json:"skills"`
}

func (a *catalogue) list(w http.ResponseWriter, _ *http.Request) {
	b := listBody{Skills: []summary{}}
	for _, sk := range a.x.Skill.Skills {
		if sk == nil {
			continue
		}
		s := summary{Name: sk.Name, Description: sk.Description, License: sk.License, Tools: []string{}}
		for _, t := range sk.Tools {
			if t != nil {
				s.Tools = append(s.Tools, t.Name)
			}
		}
		b.Skills = append(b.Skills, s)
	}
	b.Count = len(b.Skills)
	expose.WriteJSON(w, http.StatusOK, b)
}

type invocationRef struct {
	TargetNamespace string `json:"targetNamespace"`
	Action          string `json:"action"`
	Mode            string `json:"mode"`
}

type toolBody struct {
	Name          string         `json:"name"`
	Description   string         `json:"description"`
	Type          string         `json:"type"`
	InvocationRef *invocationRef `json:"invocationRef,omitempty"`
	Instruction   string         `json:"instruction,omitempty"`
}

type detailBody struct {
	Name                   string            `json:"name"`
	Description            string            `json:"description"`
	License                string            `json:"license,omitempty"`
	Compatibility          string            `json:"compatibility,omitempty"`
	ArgumentHint           string            `json:"argument-hint,omitempty"`
	AllowedTools           string            `json:"allowed-tools,omitempty"`
	UserInvocable          *bool             `json:"user-invocable,omitempty"`
	DisableModelInvocation *bool             `json:"disable-model-invocation,omitempty"`
	Metadata               map[string]string `json:"metadata,omitempty"`
	Tools                  []toolBody        `json:"tools"`
}

// lookup finds the skill named in the path, answering 404 itself.
func (a *catalogue) lookup(w http.ResponseWriter, r *http.Request) *entry {
	name := r.PathValue("name")
	e := a.skills[name]
	if e == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("skill %q not found", name))
	}
	return e
}

func (a *catalogue) detail(w http.ResponseWriter, r *http.Request) {
	e := a.lookup(w, r)
	if e == nil {
		return
	}
	sk := e.s
	b := detailBody{
		Name: sk.Name, Description: sk.Description, License: sk.License, Compatibility: sk.Compatibility,
		ArgumentHint: sk.ArgumentHint, AllowedTools: sk.AllowedTools, UserInvocable: sk.UserInvocable,
		DisableModelInvocation: sk.DisableModelInvocation, Metadata: sk.Metadata, Tools: []toolBody{},
	}
	for _, t := range sk.Tools {
		if t == nil {
			continue
		}
		tb := toolBody{Name: t.Name, Description: t.Description}
		if t.From != nil {
			tb.Type = "derived"
			tb.InvocationRef = &invocationRef{TargetNamespace: t.From.SourceNamespace, Action: t.From.Action, Mode: a.modes[t.From.SourceNamespace]}
		} else {
			tb.Type, tb.Instruction = "instruction", t.Instruction
		}
		b.Tools = append(b.Tools, tb)
	}
	expose.WriteJSON(w, http.StatusOK, b)
}

// root opens the skill's directory, answering 404 itself when there is none.
func (a *catalogue) root(w http.ResponseWriter, e *entry) *os.Root {
	if e.dir == "" {
		writeError(w, http.StatusNotFound, fmt.Sprintf("skill %q has no location", e.s.Name))
		return nil
	}
	root, err := os.OpenRoot(e.dir)
	if err != nil {
		a.log.Warn("skill location cannot be opened", "skill", e.s.Name, "error", err.Error())
		writeError(w, http.StatusNotFound, fmt.Sprintf("the location of skill %q is not a readable directory", e.s.Name))
		return nil
	}
	return root
}

// files lists the regular files of root with safe names, in lexical order.
// Symbolic links are not followed and not listed.
func files(root *os.Root) ([]fileBody, error) {
	var out []fileBody
	err := fs.WalkDir(root.FS(), ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() || !de.Type().IsRegular() || expose.SafeRelPath(p) != nil {
			return nil
		}
		info, err := de.Info()
		if err != nil {
			return err
		}
		out = append(out, fileBody{Path: p, Size: info.Size(), Type: expose.MediaTypeByExtension(p)})
		return nil
	})
	return out, err
}

type fileBody struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	Type string `json:"type"`
}

type contentsBody struct {
	Name  string     `json:"name"`
	Files []fileBody `json:"files"`
}

// skillFiles finds the requested skill, opens its folder and lists its
// files; on any failure it has answered and ok is false. The caller closes
// root.
func (a *catalogue) skillFiles(w http.ResponseWriter, r *http.Request) (e *entry, root *os.Root, fl []fileBody, ok bool) {
	if e = a.lookup(w, r); e == nil {
		return nil, nil, nil, false
	}
	if root = a.root(w, e); root == nil {
		return nil, nil, nil, false
	}
	fl, err := files(root)
	if err != nil {
		_ = root.Close()
		a.log.Warn("listing skill files failed", "skill", e.s.Name, "error", err.Error())
		writeError(w, http.StatusInternalServerError, "cannot list the skill's files")
		return nil, nil, nil, false
	}
	return e, root, fl, true
}

func (a *catalogue) contents(w http.ResponseWriter, r *http.Request) {
	e, root, fl, ok := a.skillFiles(w, r)
	if !ok {
		return
	}
	defer root.Close()
	if fl == nil {
		fl = []fileBody{}
	}
	expose.WriteJSON(w, http.StatusOK, contentsBody{Name: e.s.Name, Files: fl})
}

func (a *catalogue) file(w http.ResponseWriter, r *http.Request) {
	e := a.lookup(w, r)
	if e == nil {
		return
	}
	rel := r.PathValue("file")
	if err := expose.SafeRelPath(rel); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid file path %q: %v", rel, err))
		return
	}
	root := a.root(w, e)
	if root == nil {
		return
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			writeError(w, http.StatusNotFound, fmt.Sprintf("skill %q has no file %q", e.s.Name, rel))
			return
		}
		// Escaping the root (a symbolic link out of it) lands here too.
		writeError(w, http.StatusBadRequest, fmt.Sprintf("file %q cannot be served", rel))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		writeError(w, http.StatusNotFound, fmt.Sprintf("skill %q has no file %q", e.s.Name, rel))
		return
	}
	w.Header().Set("Content-Type", expose.MediaTypeByExtension(rel))
	w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
}

func (a *catalogue) download(w http.ResponseWriter, r *http.Request) {
	e, root, fl, ok := a.skillFiles(w, r)
	if !ok {
		return
	}
	defer root.Close()
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", e.s.Name+".zip"))
	w.WriteHeader(http.StatusOK)
	zw := zip.NewWriter(w)
	for _, f := range fl {
		if err := addFile(zw, root, f.Path); err != nil {
			// The status is sent; a truncated archive is what the client sees.
			a.log.Warn("zipping skill failed", "skill", e.s.Name, "file", f.Path, "error", err.Error())
			return
		}
	}
	if err := zw.Close(); err != nil {
		a.log.Debug("zipping skill failed", "skill", e.s.Name, "error", err.Error())
	}
}

func addFile(zw *zip.Writer, root *os.Root, rel string) error {
	f, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		return err
	}
	defer f.Close()
	zf, err := zw.Create(rel)
	if err != nil {
		return err
	}
	_, err = io.Copy(zf, f)
	return err
}

func writeError(w http.ResponseWriter, status int, msg string) {
	expose.WriteJSON(w, status, map[string]string{"error": msg})
}
