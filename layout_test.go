package amlmon_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The data flows one way, archive → transform → lake → reports, and only cmd/ joins the three:
// no package of archive, transform or reports (tests included) imports one of another, directly
// or through a package in between. The shared contract, the root package amlmon, is the one
// they may all use.
func TestLayersDoNotImportEachOther(t *testing.T) {
	const module = "github.com/amlmon/amlmon"
	layers := []string{"archive", "transform", "reports"}
	layerOf := func(pkg string) string {
		for _, l := range layers {
			if p := module + "/" + l; pkg == p || strings.HasPrefix(pkg, p+"/") {
				return l
			}
		}
		return ""
	}
	// `go test` puts its own go command first on PATH.
	out, err := exec.Command("go", "list", "-f",
		`{{.ImportPath}}{{range .Deps}} {{.}}{{end}}{{range .TestImports}} {{.}}{{end}}{{range .XTestImports}} {{.}}{{end}}`,
		"./archive/...", "./transform/...", "./reports/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		pkg, own := f[0], layerOf(f[0])
		checked[own] = true
		for _, dep := range f[1:] {
			if l := layerOf(dep); l != "" && l != own {
				t.Errorf("%s (%s) imports %s (%s): only cmd/ may join them", pkg, own, dep, l)
			}
		}
	}
	for _, l := range layers {
		if !checked[l] {
			t.Errorf("go list named no package of %s/", l)
		}
	}
}

// The check above catches an import: a package of transform that imports reports fails it.
func TestLayerCheckSeesAnImport(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Deps " "}}`, "./cmd/amlmon").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	// cmd/amlmon joins all three, so the same listing must name each of them.
	for _, l := range []string{"archive", "transform", "reports"} {
		if !strings.Contains(" "+string(out)+" ", " github.com/amlmon/amlmon/"+l+" ") {
			t.Errorf("go list -deps of cmd/amlmon lacks %s: the check reads the wrong field", l)
		}
	}
}
