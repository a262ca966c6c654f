package archive_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/amlmon/amlmon/archive"
)

func TestLocalPath(t *testing.T) {
	root := filepath.Join("/srv", "archive")
	got, err := archive.LocalPath(root, "insights-logs-x", wsName)
	if err != nil {
		t.Fatalf("LocalPath: %v", err)
	}
	want := filepath.Join(root, "insights-logs-x", "resourceId=", "SUBSCRIPTIONS", "SUB-1", "RESOURCEGROUPS", "RG-ML",
		"PROVIDERS", "MICROSOFT.MACHINELEARNINGSERVICES", "WORKSPACES", "WS-PROD", "y=2026", "m=11", "d=25", "h=13", "m=00", "PT1H.json")
	if got != want {
		t.Errorf("LocalPath = %q, want %q", got, want)
	}
	if got, err := archive.LocalPath("rel/dir", "c", "a b/ü.json"); err != nil || got != filepath.Join("rel", "dir", "c", "a b", "ü.json") {
		t.Errorf("LocalPath of a relative root = %q, %v", got, err)
	}
}

func TestLocalPathRefusesHostileNames(t *testing.T) {
	for _, c := range []struct{ name, container, blob string }{
		{"parent", "c", "../x"},
		{"parent inside", "c", "a/../../x"},
		{"parent at the end", "c", "a/.."},
		{"dot", "c", "./x"},
		{"dot inside", "c", "a/./x"},
		{"absolute", "c", "/etc/passwd"},
		{"backslash", "c", `a\..\..\x`},
		{"backslash only", "c", `\x`},
		{"NUL", "c", "a\x00b"},
		{"empty", "c", ""},
		{"empty segment", "c", "a//b"},
		{"trailing slash", "c", "a/"},
		{"container parent", "..", "x"},
		{"container dot", ".", "x"},
		{"container with slash", "a/b", "x"},
		{"container absolute", "/etc", "x"},
		{"container empty", "", "x"},
		{"container backslash", `..\..`, "x"},
		{"container NUL", "c\x00", "x"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := archive.LocalPath("/srv/archive", c.container, c.blob)
			if !errors.Is(err, archive.ErrUnsafeName) {
				t.Fatalf("LocalPath = %q, %v; want ErrUnsafeName", p, err)
			}
		})
	}
}
