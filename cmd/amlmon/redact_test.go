package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A connection string given as --source never reaches stdout or stderr, even when the
// account refuses it. The account is a local server that answers every call as Azure Storage
// answers a wrong key, at once and without retries.
func TestConnectionStringNotPrinted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-ms-error-code", "AuthenticationFailed")
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.</Message></Error>`)
	}))
	defer srv.Close()
	const secret = "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWs="
	cs := "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + secret + ";BlobEndpoint=" + srv.URL + "/devstoreaccount1;"
	lake := filepath.Join(t.TempDir(), "lake")
	code, stdout, stderr := runCmd(t, "", "sync", "--source", cs, "--lake", lake, "--log-level", "debug")
	if code != exitFailed {
		t.Fatalf("sync from an account that refuses the key: exit %d, want %d\n%s", code, exitFailed, stderr)
	}
	if _, err := os.Stat(lake); err == nil {
		t.Errorf("a sync from an account that cannot be listed left the lake %s behind", lake)
	}
	if strings.Contains(stdout+stderr, secret) {
		t.Errorf("the account key leaked:\n%s%s", stdout, stderr)
	}
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", cs)
	code, stdout, stderr = runCmd(t, "", "sync", "--lake", t.TempDir(), "--log-format", "json")
	if code != exitFailed || strings.Contains(stdout+stderr, secret) {
		t.Errorf("exit %d; the account key must not show:\n%s%s", code, stdout, stderr)
	}
}

// Whatever form a mistyped source takes, its secret shows nowhere in the output, and a source
// that cannot be opened leaves no lake directory behind.
func TestSourceSecretsNeverPrinted(t *testing.T) {
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
	const secret = "SECRETSIG3c2VjcmV0LWtleQ"
	for _, tc := range []struct {
		source string
		want   string // in stderr
	}{
		{"mystorageacct.blob.core.windows.net?sv=2022-11-02&sig=" + secret, "open archive mystorageacct.blob.core.windows.net?REDACTED"},
		{"sv=2022-11-02&ss=b&sig=" + secret, "sig=REDACTED"},
		{"?sv=2022-11-02&sig=" + secret, "open archive ?REDACTED"},
		{"DefaultEndpointsProtocol=https;AccountKey=" + secret + ";EndpointSuffix=core.windows.net", "names no account"},
		{"AccountKey=" + secret, "names no account"},
	} {
		for _, format := range []string{"text", "json"} {
			lake := filepath.Join(t.TempDir(), "lake")
			code, stdout, stderr := runCmd(t, "", "sync", "--source", tc.source, "--lake", lake, "--log-format", format, "--log-level", "debug")
			if code != exitFailed {
				t.Errorf("%s (%s): exit %d, want %d\n%s", tc.source, format, code, exitFailed, stderr)
			}
			if strings.Contains(stdout+stderr, secret) {
				t.Errorf("%s (%s): the secret shows:\n%s%s", tc.source, format, stdout, stderr)
			}
			if format == "text" && !strings.Contains(stderr, tc.want) {
				t.Errorf("%s: stderr lacks %q:\n%s", tc.source, tc.want, stderr)
			}
			if strings.Contains(tc.want, "no account") && strings.Contains(stderr, "no such file") {
				t.Errorf("%s: a connection string taken for a path:\n%s", tc.source, stderr)
			}
			if _, err := os.Stat(lake); err == nil {
				t.Errorf("%s: the lake directory was created for a source that did not open", tc.source)
			}
		}
	}
}
