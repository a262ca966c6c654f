package archive_test

import (
	"testing"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/archivetest"
	"github.com/amlmon/amlmon/archive/azuritetest"
)

// TestAzureConformance runs the contract's suite against the Azure source on Azurite.
func TestAzureConformance(t *testing.T) {
	archivetest.Run(t, func(t *testing.T) archivetest.Store {
		az := azuritetest.Start(t)
		a, err := archive.NewAzure(az.ConnectionString(), archive.AzureOptions{})
		if err != nil {
			t.Fatalf("NewAzure: %v", err)
		}
		return a
	})
}
