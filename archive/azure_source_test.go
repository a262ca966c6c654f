package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/amlmon/amlmon/archive"
)

func TestIsConnectionString(t *testing.T) {
	for s, want := range map[string]bool{
		"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k":                   true,
		"DefaultEndpointsProtocol=https;AccountKey=k;EndpointSuffix=core.windows.net": true,
		"AccountKey=k": true,
		"BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=1&sig=2": true,
		"UseDevelopmentStorage=true":                  true,
		"https://a.blob.core.windows.net/?sv=1&sig=2": false,
		"az://acct":           false,
		"./archive":           false,
		"sv=2022-11-02&sig=x": false,
	} {
		if got := archive.IsConnectionString(s); got != want {
			t.Errorf("IsConnectionString(%q) = %v, want %v", s, got, want)
		}
	}
}

// A connection string that names no account is told so, without its key.
func TestConnectionStringWithoutAccount(t *testing.T) {
	const key = "c2VjcmV0LWtleS1uby1hY2NvdW50"
	for _, cs := range []string{
		"DefaultEndpointsProtocol=https;AccountKey=" + key + ";EndpointSuffix=core.windows.net",
		"AccountKey=" + key,
	} {
		if !archive.IsAzureSource(cs) {
			t.Errorf("IsAzureSource(%q) = false: it would be taken for a directory", cs)
		}
		_, err := archive.NewAzure(cs, archive.AzureOptions{})
		if err == nil || !strings.Contains(err.Error(), "names no account") || strings.Contains(err.Error(), key) {
			t.Errorf("NewAzure(%q) = %v, want a clear error without the key", cs, err)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"sv=2022&sig=abc%2Bdef&se=1":       "sv=2022&sig=REDACTED&se=1",
		"a?SIG=abc":                        "a?SIG=REDACTED",
		"x;AccountKey=abc==;y":             "x;AccountKey=REDACTED;y",
		"SharedAccessSignature=sv=1&sig=2": "SharedAccessSignature=REDACTED",
		"./archive":                        "./archive",
	} {
		if got := archive.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every failed try of a call is logged as it happens, so that an unreachable account is not
// a minute of silence before the error; the SAS never shows.
func TestAzureLogsFailedTries(t *testing.T) {
	// A port with nobody listening: every try is refused at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	const sig = "c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3Qtc2hvdw"
	var logs bytes.Buffer
	a, err := archive.NewAzure("http://"+addr+"/devstoreaccount1?sv=2022-11-02&ss=b&sig="+sig, archive.AzureOptions{
		Retry:  policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond},
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	err = a.List(context.Background(), archive.Window{}, func(archive.Blob) error { return nil })
	if err == nil {
		t.Fatal("List on a closed port succeeded")
	}
	tries := 0
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			t.Fatalf("log line %q", line)
		}
		if rec["level"] == "WARN" && strings.HasPrefix(rec["msg"].(string), "azure call failed") {
			tries++
		}
	}
	if tries != 3 {
		t.Errorf("%d failed tries logged, want 3 (1 + 2 retries):\n%s", tries, logs.String())
	}
	if strings.Contains(logs.String()+err.Error(), sig) {
		t.Errorf("the SAS signature shows:\n%s\n%v", logs.String(), err)
	}
}

// Azurite older than the SDK answers 400 InvalidHeaderValue; the error says how to start it.
func TestOldEmulatorHint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-ms-error-code", "InvalidHeaderValue")
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`<?xml version="1.0" encoding="utf-8"?><Error><Code>InvalidHeaderValue</Code><Message>The API version 2026-02-06 is not supported by Azurite.</Message></Error>`))
	}))
	defer srv.Close()
	a, err := archive.NewAzure("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint="+srv.URL+"/devstoreaccount1;", archive.AzureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = a.List(context.Background(), archive.Window{}, func(archive.Blob) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "--skipApiVersionCheck") {
		t.Errorf("List = %v, want the hint to start Azurite with --skipApiVersionCheck", err)
	}
}
