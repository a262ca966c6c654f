package archive_test

import (
	"context"
	"crypto/md5"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/azuritetest"
)

// TestNewDestForms parses every form of a destination without calling the service.
func TestNewDestForms(t *testing.T) {
	const cs = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
	for _, tc := range []struct {
		dest, cs, account string
		url               string // URL("x")
	}{
		{"az://acct/reports/site", "", "", "https://acct.blob.core.windows.net/reports/site/x"},
		{"az://acct/$web", "", "", "https://acct.blob.core.windows.net/$web/x"},
		{"https://acct.blob.core.windows.net/reports/a/b/?sv=2022&sig=abc", "", "", "https://acct.blob.core.windows.net/reports/a/b/x"},
		{"http://127.0.0.1:10000/devstoreaccount1/reports/p", "", "", "http://127.0.0.1:10000/devstoreaccount1/reports/p/x"},
		{"reports/daily", cs, "", "http://127.0.0.1:10000/devstoreaccount1/reports/daily/x"},
		{"$web", cs, "", "http://127.0.0.1:10000/devstoreaccount1/$web/x"},
		{"lake", "", "acct", "https://acct.blob.core.windows.net/lake/x"},
	} {
		d, err := archive.NewDest(tc.dest, archive.AzureOptions{ConnectionString: tc.cs, Account: tc.account, Key: "a2V5"})
		if err != nil {
			t.Errorf("NewDest(%q): %v", tc.dest, err)
			continue
		}
		if got := d.URL("x"); got != tc.url {
			t.Errorf("NewDest(%q).URL = %q, want %q", tc.dest, got, tc.url)
		}
		if strings.Contains(d.String(), "sig=abc") {
			t.Errorf("NewDest(%q).String() = %q reveals the SAS", tc.dest, d.String())
		}
	}
	for dest, want := range map[string]string{
		"reports":           "no account",
		"az://acct":         "not a container name",
		"az://acct/Reports": "not a container name",
		"https://acct.blob.core.windows.net/x?sig=zzzz": "not a container name",
		cs: "names no container",
	} {
		_, err := archive.NewDest(dest, archive.AzureOptions{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewDest(%q) = %v, want an error saying %q", dest, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "zzzz") || strings.Contains(err.Error(), "a2V5")) {
			t.Errorf("NewDest(%q): the error reveals a secret: %v", dest, err)
		}
	}
}

// TestDestOnAzurite puts, lists, reads back and deletes under a prefix, in a container that
// does not exist yet and in $web, the static website's container.
func TestDestOnAzurite(t *testing.T) {
	az := azuritetest.Start(t)
	ctx := context.Background()
	for _, dest := range []string{"reports/site/v1", "$web"} {
		d, err := archive.NewDest(dest, archive.AzureOptions{ConnectionString: az.ConnectionString()})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.List(ctx, "", func(o archive.DestObject) error { return errors.New("a blob in a missing container") }); err != nil {
			t.Fatalf("%s: list before the container exists: %v", dest, err)
		}
		page := []byte("<!DOCTYPE html><p>day</p>")
		if err := d.Put(ctx, "2026-11-24/report.html", page, archive.Upload{ContentType: "text/html; charset=utf-8", NoCache: true}); err != nil {
			t.Fatalf("%s: %v", dest, err)
		}
		file := filepath.Join(t.TempDir(), "part.parquet")
		if err := os.WriteFile(file, []byte("PAR1 not really PAR1"), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum([]byte("PAR1 not really PAR1"))
		if err := d.PutFile(ctx, "T/date=2026-11-24/part.parquet", file, sum[:], archive.Upload{ContentType: "application/vnd.apache.parquet", Metadata: map[string]string{"amlmonmtime": "42"}}); err != nil {
			t.Fatalf("%s: %v", dest, err)
		}
		var got []archive.DestObject
		if err := d.List(ctx, "", func(o archive.DestObject) error { got = append(got, o); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Name != "2026-11-24/report.html" || got[1].Name != "T/date=2026-11-24/part.parquet" {
			t.Fatalf("%s: listed %+v", dest, got)
		}
		pageSum := md5.Sum(page)
		if got[0].ContentType != "text/html; charset=utf-8" || got[0].Size != int64(len(page)) || string(got[0].MD5) != string(pageSum[:]) {
			t.Errorf("%s: report.html listed as %+v", dest, got[0])
		}
		if got[1].Metadata["amlmonmtime"] != "42" || string(got[1].MD5) != string(sum[:]) {
			t.Errorf("%s: part.parquet listed as %+v", dest, got[1])
		}
		back, err := d.Get(ctx, "2026-11-24/report.html", 1<<20)
		if err != nil || string(back) != string(page) {
			t.Errorf("%s: read back %q, %v", dest, back, err)
		}
		if _, err := d.Get(ctx, "2026-11-24/report.html", 4); err == nil {
			t.Errorf("%s: a blob over the limit was read", dest)
		}
		if _, err := d.Get(ctx, "missing", 10); !errors.Is(err, archive.ErrNotFound) {
			t.Errorf("%s: missing blob: %v, want ErrNotFound", dest, err)
		}
		if err := d.Delete(ctx, "2026-11-24/report.html"); err != nil {
			t.Fatal(err)
		}
		if err := d.Delete(ctx, "2026-11-24/report.html"); err != nil {
			t.Errorf("%s: deleting a blob twice: %v", dest, err)
		}
		// The prefix is honoured: the blob lives at <container>/<prefix>/<name>.
		c := az.Client(t).NewContainerClient(d.Container())
		pager := c.NewListBlobsFlatPager(nil)
		var names []string
		for pager.More() {
			p, err := pager.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Segment.BlobItems {
				names = append(names, *it.Name)
			}
		}
		want := "T/date=2026-11-24/part.parquet"
		if dest == "reports/site/v1" {
			want = "site/v1/" + want
		}
		if len(names) != 1 || names[0] != want {
			t.Errorf("%s: the container holds %q, want %q", dest, names, want)
		}
	}
}
