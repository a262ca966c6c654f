package azuritetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"
)

func TestStartGivesACleanSharedAccount(t *testing.T) {
	ctx := context.Background()
	a := Start(t)
	if !strings.HasPrefix(a.BlobEndpoint(), "http://127.0.0.1:") || !strings.HasSuffix(a.BlobEndpoint(), "/"+Account) {
		t.Fatalf("endpoint %q", a.BlobEndpoint())
	}
	if _, err := a.Client(t).CreateContainer(ctx, "left-over", nil); err != nil {
		t.Fatal(err)
	}
	b := Start(t)
	if b != a {
		t.Fatal("second Start launched another emulator")
	}
	pager := b.Client(t).NewListContainersPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.ContainerItems) > 0 {
			t.Fatalf("account not reset: container %s", *page.ContainerItems[0].Name)
		}
	}
}

func TestSASURL(t *testing.T) {
	ctx := context.Background()
	a := Start(t)
	c, err := service.NewClientWithNoCredential(a.SASURL(t, time.Now().Add(time.Hour)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateContainer(ctx, "with-sas", nil); err != nil {
		t.Fatalf("create container with a valid SAS: %v", err)
	}
	expired, err := service.NewClientWithNoCredential(a.SASURL(t, time.Now().Add(-time.Minute)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := expired.CreateContainer(ctx, "with-expired-sas", nil); err == nil {
		t.Fatal("an expired SAS was accepted")
	}
}

func TestBinaryNotFound(t *testing.T) {
	t.Setenv("AMLMON_AZURITE_BIN", "/nonexistent/azurite-blob")
	_, err := binary()
	if err == nil || !strings.Contains(err.Error(), "make test") {
		t.Fatalf("binary() = %v, want an error that says to run make test", err)
	}
}
