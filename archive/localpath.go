package archive

import (
	"fmt"
	"path/filepath"
	"strings"
)

// LocalPath turns a container and a blob name into the path of a file under root, in the
// archive layout "<root>/<container>/<name>". Blob names come from a storage account that
// someone else may write to, so anything that could escape root is refused with an error
// wrapping ErrUnsafeName: ".." and "." segments, absolute names, backslashes, NUL, empty
// segments, names ending in the suffix that marks a file being written, and any name that
// does not stay local to root. Dir and Fetch build every path through it.
func LocalPath(root, container, name string) (string, error) {
	if err := checkSegment(container); err != "" {
		return "", fmt.Errorf("container %q: %s: %w", container, err, ErrUnsafeName)
	}
	if name == "" {
		return "", fmt.Errorf("blob %s/%q: empty name: %w", container, name, ErrUnsafeName)
	}
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("blob %s/%q: absolute name: %w", container, name, ErrUnsafeName)
	}
	for _, seg := range strings.Split(name, "/") {
		if err := checkSegment(seg); err != "" {
			return "", fmt.Errorf("blob %s/%q: %s: %w", container, name, err, ErrUnsafeName)
		}
	}
	rel := filepath.Join(container, filepath.FromSlash(name))
	// IsLocal also refuses what the host reserves (drive letters, device names on Windows).
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("blob %s/%q: leaves the directory: %w", container, name, ErrUnsafeName)
	}
	p := filepath.Join(root, rel)
	if r, err := filepath.Rel(filepath.Clean(root), p); err != nil || !filepath.IsLocal(r) {
		return "", fmt.Errorf("blob %s/%q: leaves the directory: %w", container, name, ErrUnsafeName)
	}
	return p, nil
}

// checkSegment says what makes one path segment unsafe, or "" when it is safe.
func checkSegment(seg string) string {
	switch {
	case seg == "":
		return "empty segment"
	case seg == "." || seg == "..":
		return "dot segment"
	case strings.ContainsRune(seg, 0):
		return "NUL byte"
	case strings.ContainsRune(seg, '\\'):
		return "backslash"
	case strings.ContainsRune(seg, '/'):
		return "slash"
	case strings.HasSuffix(seg, partialSuffix):
		return "ends in " + partialSuffix + ", which marks a file being written"
	}
	return ""
}

// maxSegment is the longest segment of a blob name that Fetch copies: the 255 bytes a file name
// may have on Linux, macOS and Windows file systems, less room for the suffixes Fetch adds to
// its record and temporary files ("<name>.json.partial"). Azure allows 1,024 characters in a
// whole name and any length of segment.
const maxSegment = 255 - len(".json"+partialSuffix)

// checkLength refuses, with an error wrapping ErrUnsafeName, a name with a segment longer than
// maxSegment.
func checkLength(container, name string) error {
	for _, seg := range strings.Split(name, "/") {
		if len(seg) > maxSegment {
			return fmt.Errorf("blob %s/%.80q...: a segment of %d bytes, longer than a local file name may be (%d): %w",
				container, name, len(seg), maxSegment, ErrUnsafeName)
		}
	}
	return nil
}
