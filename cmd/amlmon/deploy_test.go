package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// manifestDocs reads every document of a multi-document YAML file.
func manifestDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		docs = append(docs, doc)
	}
}

// dig walks a decoded YAML tree along keys (strings for maps, ints for lists).
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: not a mapping", k)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at [%d]: not a list that long", k)
			}
			v = l[k]
		}
	}
	return v
}

func TestCronJobManifest(t *testing.T) {
	docs := manifestDocs(t, "../../deploy/cronjob.yaml")
	kinds := map[string]map[string]any{}
	for _, d := range docs {
		kinds[d["kind"].(string)] = d
	}
	for _, k := range []string{"ServiceAccount", "PersistentVolumeClaim", "CronJob"} {
		if kinds[k] == nil {
			t.Fatalf("no %s in the manifest", k)
		}
	}
	cj := kinds["CronJob"]
	if got := dig(t, cj, "spec", "concurrencyPolicy"); got != "Forbid" {
		t.Errorf("concurrencyPolicy = %v", got)
	}
	if got := dig(t, cj, "spec", "timeZone"); got != "Etc/UTC" {
		t.Errorf("timeZone = %v", got)
	}
	pod := dig(t, cj, "spec", "jobTemplate", "spec", "template")
	if got := dig(t, pod, "metadata", "labels", "azure.workload.identity/use"); got != "true" {
		t.Errorf("workload identity label = %v (want the string \"true\")", got)
	}
	if got, want := dig(t, pod, "spec", "serviceAccountName"), dig(t, kinds["ServiceAccount"], "metadata", "name"); got != want {
		t.Errorf("serviceAccountName %v, ServiceAccount %v", got, want)
	}
	claim := dig(t, pod, "spec", "volumes", 0, "persistentVolumeClaim", "claimName")
	if want := dig(t, kinds["PersistentVolumeClaim"], "metadata", "name"); claim != want {
		t.Errorf("claimName %v, PersistentVolumeClaim %v", claim, want)
	}
	container := dig(t, pod, "spec", "containers", 0)
	res := dig(t, container, "resources")
	if dig(t, res, "requests", "cpu") != "500m" || dig(t, res, "requests", "memory") != "512Mi" || dig(t, res, "limits", "memory") != "1Gi" {
		t.Errorf("resources = %v", res)
	}

	var args []string
	for _, a := range dig(t, container, "args").([]any) {
		args = append(args, a.(string))
	}
	c, ok := findCommand(args[0])
	if !ok {
		t.Fatalf("args start with %q, not a subcommand", args[0])
	}
	opts := c.options()
	fs := newFlagSet(c, opts)
	for _, a := range args[1:] {
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || fs.Lookup(name) == nil {
			t.Errorf("argument %q is not a flag of amlmon %s", a, c.name)
		}
	}
	if err := fs.Parse(args[1:]); err != nil {
		t.Fatalf("amlmon %s rejects the manifest's args: %v", c.name, err)
	}

	known := map[string]bool{}
	for _, e := range envNames(fs) {
		known[e] = true
	}
	env := map[string]string{}
	for _, e := range dig(t, container, "env").([]any) {
		name := dig(t, e, "name").(string)
		value, _ := dig(t, e, "value").(string)
		if strings.HasPrefix(name, "AMLMON_") && !known[name] {
			t.Errorf("env %s is read by no flag of amlmon %s", name, c.name)
		}
		env[name] = value
	}
	if err := applyEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Errorf("amlmon %s rejects the manifest's environment: %v", c.name, err)
	}
	if lake, _ := fs.GetString("lake"); !strings.HasPrefix(lake, "/data/") {
		t.Errorf("--lake %q is not on the volume", lake)
	}
	mount := dig(t, container, "volumeMounts", 0, "mountPath")
	if mount != "/data" {
		t.Errorf("the claim is mounted at %v, the lake is under /data", mount)
	}
}

// The build files set the variables that version reports.
func TestBuildFilesSetVersion(t *testing.T) {
	for _, path := range []string{"../../Makefile", "../../deploy/Dockerfile"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"-X main.version=", "-X main.commit=", "./cmd/amlmon"} {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
	}
}
