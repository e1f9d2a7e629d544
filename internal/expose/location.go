package expose

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// ResolveLocation turns a `location` of a capability file (MCP static
// resources and prompts, skills) into a file-system path. `file:///abs`
// is absolute; `file://./rel`, `file:rel` and a bare relative path are
// relative to the folder of the capability file base, as bind files are
// (SPEC §3). Other schemes are an error.
func ResolveLocation(location, base string) (string, error) {
	p := location
	if scheme, rest, ok := strings.Cut(location, ":"); ok && len(scheme) > 1 && !strings.ContainsAny(scheme, `/\`) {
		if !strings.EqualFold(scheme, "file") {
			return "", fmt.Errorf("location %q: only file: locations are supported", location)
		}
		p = rest
		if strings.HasPrefix(p, "//") {
			p = p[2:]
			// file://host/path is not a local file; file:///path has an empty host.
			if p != "" && !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, ".") {
				return "", fmt.Errorf("location %q: write file:///absolute/path or file://./relative/path", location)
			}
		}
	}
	if p == "" {
		return "", fmt.Errorf("location %q: the path is empty", location)
	}
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(base), p)
	}
	return filepath.Clean(p), nil
}

// safeSegmentRE is what one segment of a served file path may be (the
// reference engine's rule).
var safeSegmentRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// SafeRelPath checks a slash-separated path relative to a served directory:
// every segment made of letters, digits, '.', '_' and '-', none "." or "..".
// It is the first line of defence; the files are then opened through an
// os.Root, which also refuses symbolic links that leave the directory.
func SafeRelPath(rel string) error {
	if rel == "" {
		return fmt.Errorf("empty path")
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == "." || seg == ".." || !safeSegmentRE.MatchString(seg) {
			return fmt.Errorf("unsafe path segment %q", seg)
		}
	}
	return nil
}
