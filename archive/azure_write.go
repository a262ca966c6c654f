package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
)

// Put implements Writer. The container is created when missing.
func (a *Azure) Put(ctx context.Context, c, name string, typ BlobType, r io.Reader) error {
	key := c + "/" + name
	cc := a.svc.NewContainerClient(c)
	switch typ {
	case AppendBlob:
		ab := cc.NewAppendBlobClient(name)
		_, err := ab.Create(ctx, nil)
		if bloberror.HasCode(err, bloberror.ContainerNotFound) {
			if err := a.ensureContainer(ctx, c); err != nil {
				return err
			}
			_, err = ab.Create(ctx, nil)
		}
		if err != nil {
			return a.fail("put", key, err)
		}
		return a.appendFrom(ctx, c, name, r)
	case BlockBlob:
		if err := a.ensureContainer(ctx, c); err != nil {
			return err
		}
		return a.putBlock(ctx, c, name, r)
	default:
		return fmt.Errorf("put %s: unsupported blob type %q", key, typ)
	}
}

// putBlock creates or replaces a block blob. The service replaces a blob of any type with a
// whole-blob upload but refuses to stage blocks onto an append blob, so a blob that fits one
// upload goes in one call, and a larger one first removes an append blob in its way.
func (a *Azure) putBlock(ctx context.Context, c, name string, r io.Reader) error {
	key := c + "/" + name
	bb := a.svc.NewContainerClient(c).NewBlockBlobClient(name)
	first := make([]byte, maxAppendBlock)
	n, err := io.ReadFull(r, first)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if _, err := bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(first[:n])), nil); err != nil {
			return a.fail("put", key, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("put %s: read: %w", key, err)
	}
	props, err := bb.GetProperties(ctx, nil)
	switch {
	case bloberror.HasCode(err, bloberror.BlobNotFound):
	case err != nil:
		return a.fail("put", key, err)
	case props.BlobType != nil && *props.BlobType != blob.BlobTypeBlockBlob:
		if _, err := bb.Delete(ctx, nil); err != nil && !bloberror.HasCode(err, bloberror.BlobNotFound) {
			return a.fail("put", key, err)
		}
	}
	if _, err := bb.UploadStream(ctx, io.MultiReader(bytes.NewReader(first), r), nil); err != nil {
		return a.fail("put", key, err)
	}
	return nil
}

// ensureContainer creates container c unless it exists.
func (a *Azure) ensureContainer(ctx context.Context, c string) error {
	_, err := a.svc.NewContainerClient(c).Create(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return a.fail("create container", c, err)
	}
	return nil
}

// appendFrom appends the bytes of r to an append blob in blocks of at most maxAppendBlock,
// starting small so that short blobs need little memory.
func (a *Azure) appendFrom(ctx context.Context, c, name string, r io.Reader) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if aerr := a.appendBlock(ctx, c, name, buf[:n]); aerr != nil {
				return aerr
			}
		}
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return nil
		case err != nil:
			return fmt.Errorf("put %s/%s: read: %w", c, name, err)
		}
		if len(buf) < maxAppendBlock {
			buf = make([]byte, min(2*len(buf), maxAppendBlock))
		}
	}
}

// Append implements Writer.
func (a *Azure) Append(ctx context.Context, c, name string, data []byte) error {
	if len(data) == 0 {
		// Nothing to add, but a missing blob must still say so.
		if _, err := a.svc.NewContainerClient(c).NewBlobClient(name).GetProperties(ctx, nil); err != nil {
			return a.fail("append", c+"/"+name, err)
		}
		return nil
	}
	for len(data) > 0 {
		n := min(len(data), maxAppendBlock)
		if err := a.appendBlock(ctx, c, name, data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// appendBlock appends one block of at most maxAppendBlock bytes.
func (a *Azure) appendBlock(ctx context.Context, c, name string, block []byte) error {
	ab := a.svc.NewContainerClient(c).NewAppendBlobClient(name)
	if _, err := ab.AppendBlock(ctx, streaming.NopCloser(bytes.NewReader(block)), nil); err != nil {
		return a.fail("append", c+"/"+name, err)
	}
	return nil
}

// Delete implements Writer.
func (a *Azure) Delete(ctx context.Context, c, name string) error {
	if _, err := a.svc.NewContainerClient(c).NewBlobClient(name).Delete(ctx, nil); err != nil {
		return a.fail("delete", c+"/"+name, err)
	}
	return nil
}
