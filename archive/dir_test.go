package archive_test

import (
	"testing"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/archivetest"
)

func TestDirConformance(t *testing.T) {
	archivetest.Run(t, func(t *testing.T) archivetest.Store { return archive.NewDir(t.TempDir()) })
}
