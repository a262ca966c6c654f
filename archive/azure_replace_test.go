package archive_test

import (
	"context"
	"strings"
	"testing"

	"github.com/amlmon/amlmon/archive"
)

func TestAzurePutReplacesAnyType(t *testing.T) {
	a, _ := newAzure(t, archive.AzureOptions{})
	ctx := context.Background()
	steps := []struct {
		typ  archive.BlobType
		data string
	}{
		{archive.BlockBlob, "block one\n"},
		{archive.AppendBlob, "append one\n"},
		{archive.BlockBlob, "block two\n"},
		{archive.BlockBlob, ""},
		{archive.AppendBlob, "append two\n"},
		{archive.BlockBlob, strings.Repeat("large block blob\n", 600_000)},
		{archive.AppendBlob, "append three\n"},
	}
	for _, s := range steps {
		if err := a.Put(ctx, jobEvents, "x.json", s.typ, strings.NewReader(s.data)); err != nil {
			t.Fatalf("put %s over the previous blob: %v", s.typ, err)
		}
		if got := read(t, a, jobEvents, "x.json", 0, -1); got != s.data {
			t.Fatalf("after put %s: read %d bytes, want %d", s.typ, len(got), len(s.data))
		}
		blobs := listAll(t, a, archive.Window{})
		if len(blobs) != 1 || blobs[0].Type != s.typ || blobs[0].Size != int64(len(s.data)) {
			t.Fatalf("after put %s: listed %+v", s.typ, blobs)
		}
	}
}
