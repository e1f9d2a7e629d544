package expose

import (
	"fmt"
	"mime"
	"path"
	"regexp"
	"strings"

	"github.com/naftiko-go/naftiko/internal/spec"
)

// ResolveLocation turns a `location` of a capability file (MCP static
// resources and prompts, skills) into a file-system path, relative to the
// folder of the capability file base: spec.FilePath.
func ResolveLocation(location, base string) (string, error) {
	return spec.FilePath(base, location)
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

// MediaTypeByExtension guesses a served file's media type from its
// extension: Markdown, YAML and plain text by name, the rest from the
// system's table, else application/octet-stream.
func MediaTypeByExtension(p string) string {
	switch ext := strings.ToLower(path.Ext(p)); ext {
	case ".md", ".markdown":
		return "text/markdown"
	case ".yaml", ".yml":
		return "application/yaml"
	case ".txt", "":
		return "text/plain"
	default:
		if mt := mime.TypeByExtension(ext); mt != "" {
			return mt
		}
	}
	return "application/octet-stream"
}
