package archive

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestSourceName(t *testing.T) {
	const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
	for _, tc := range []struct{ in, want string }{
		{"./testdata/archive", "./testdata/archive"},
		{"/data/archive", "/data/archive"},
		{"az://mystorageacct", "az://mystorageacct"},
		{"https://acct.blob.core.windows.net", "https://acct.blob.core.windows.net"},
		{"https://acct.blob.core.windows.net/?sv=2022-11-02&ss=b&sig=SECRET%3D", "https://acct.blob.core.windows.net/?REDACTED"},
		{"https://user:SECRET@acct.blob.core.windows.net/", "https://acct.blob.core.windows.net/"},
		{"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + key + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
			"connection string (AccountName=devstoreaccount1;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1)"},
		{"BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=SECRET",
			"connection string (BlobEndpoint=https://acct.blob.core.windows.net/)"},
		{"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=SECRET;EndpointSuffix=core.windows.net",
			"connection string (AccountName=acct)"},
		{"UseDevelopmentStorage=true", "connection string ()"},
		// Sources not recognised as Azure still carry secrets.
		{"mystorageacct.blob.core.windows.net?sv=2022-11-02&sig=SECRETSIG3", "mystorageacct.blob.core.windows.net?REDACTED"},
		{"?sv=2022-11-02&sig=SECRET", "?REDACTED"},
		{"sv=2022-11-02&sig=SECRET", "sv=2022-11-02&sig=REDACTED"},
		{"sv=2022-11-02&SIG=SECRET&se=2030", "sv=2022-11-02&SIG=REDACTED&se=2030"},
		{"SharedAccessSignature=sv=1&sig=SECRET", "connection string ()"},
		{"DefaultEndpointsProtocol=https;AccountKey=" + key + ";EndpointSuffix=core.windows.net", "connection string ()"},
		{"az://acct?sig=SECRET", "az://acct?REDACTED"},
		{"https://acct.blob.core.windows.net/c?sv=1&sig=SECRET#frag", "https://acct.blob.core.windows.net/c?REDACTED"},
	} {
		got := SourceName(tc.in)
		if got != tc.want {
			t.Errorf("SourceName(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		for _, secret := range []string{"SECRET", key} {
			if strings.Contains(got, secret) {
				t.Errorf("SourceName(%q) = %q keeps a secret", tc.in, got)
			}
		}
	}
}

// An empty source stands for the connection string, else the account; nothing is "".
func TestResolveSource(t *testing.T) {
	cs := "AccountName=acct;AccountKey=k"
	for _, tc := range []struct {
		source string
		opts   AzureOptions
		want   string
	}{
		{" ./archive ", AzureOptions{ConnectionString: cs, Account: "other"}, "./archive"},
		{"", AzureOptions{ConnectionString: cs, Account: "other"}, cs},
		{"", AzureOptions{Account: "other"}, "az://other"},
		{"  ", AzureOptions{}, ""},
	} {
		if got := ResolveSource(tc.source, tc.opts); got != tc.want {
			t.Errorf("ResolveSource(%q, %+v) = %q, want %q", tc.source, tc.opts, got, tc.want)
		}
	}
}

// OpenSource opens a directory as a Dir and an account as Azure, and a missing directory's
// error does not repeat its name, which may be a mistyped secret.
func TestOpenSource(t *testing.T) {
	dir := t.TempDir()
	src, err := OpenSource(dir, AzureOptions{})
	if d, ok := src.(*Dir); err != nil || !ok || d.Root() != dir {
		t.Errorf("OpenSource(dir) = %T %v, want the Dir at %s", src, err, dir)
	}
	src, err = OpenSource("", AzureOptions{Account: "acct", Key: "a2V5"})
	if _, ok := src.(*Azure); err != nil || !ok {
		t.Errorf("OpenSource with an account = %T %v, want an Azure source", src, err)
	}
	missing := filepath.Join(dir, "sig=SECRET")
	_, err = OpenSource(missing, AzureOptions{})
	if !errors.Is(err, fs.ErrNotExist) || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("OpenSource(missing) = %v, want not-exist without the name", err)
	}
	if _, err := OpenSource("", AzureOptions{}); err == nil {
		t.Error("OpenSource with nothing given succeeded")
	}
}
