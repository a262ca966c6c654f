package archive

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// Dest is where amlmon publishes what it made: a container of a storage account and a folder
// (prefix) in it, for the report site and the lake mirror. Names given to its methods are
// relative to the prefix, with "/" between folders. It is safe for concurrent use.
type Dest struct {
	a         *Azure
	container string
	prefix    string // "" or ending in "/"
	name      string // the destination as given, secrets removed
}

// DestObject is one blob under a Dest.
type DestObject struct {
	Name        string // relative to the Dest's prefix
	Size        int64
	MD5         []byte // the Content-MD5 the blob was stored with; nil when it has none
	ContentType string
	Metadata    map[string]string // keys lower-case
}

// Upload is how Put stores a blob: its content type, and whether readers may cache it.
type Upload struct {
	ContentType string
	// NoCache marks a blob that a later run replaces under the same name (an index, a
	// latest/ copy), so that a browser or CDN asks again rather than showing an old day.
	NoCache bool
	// Metadata is stored with the blob and listed with it (keys: lower-case letters).
	Metadata map[string]string
}

// containerName is a container name the service accepts, or $web, the container of a
// storage account's static website.
var containerName = regexp.MustCompile(`^(\$web|[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62})$`)

// NewDest returns the destination named by dest:
//
//	az://<account>/<container>[/prefix]
//	https://<account>.blob.core.windows.net/<container>[/prefix][?SAS]
//	http://127.0.0.1:10000/<account>/<container>[/prefix][?SAS]   (an emulator)
//	<container>[/prefix]   on the account of opts.ConnectionString, else of opts.Account
//
// Credentials follow the rules of NewAzure, as for an archive source. Constructing makes no
// call to the service.
func NewDest(dest string, opts AzureOptions) (*Dest, error) {
	dest = strings.TrimSpace(dest)
	d := &Dest{name: Redact(dest)}
	var account, path string
	l := strings.ToLower(dest)
	switch {
	case dest == "":
		return nil, errors.New("no destination given")
	case strings.HasPrefix(l, "az://"), strings.HasPrefix(l, "https://"), strings.HasPrefix(l, "http://"):
		u, err := url.Parse(dest)
		if err != nil {
			return nil, fmt.Errorf("destination %s: %s", d.name, redact(err.Error(), dest))
		}
		endpoint, acct, _, _, err := parseAzureURL(dest)
		if err != nil {
			return nil, fmt.Errorf("destination %s: %w", d.name, err)
		}
		path = strings.Trim(u.Path, "/")
		if strings.HasSuffix(endpoint, "/"+acct) {
			// An emulator URL: the account is the first segment of the path.
			_, path, _ = strings.Cut(path, "/")
		}
		account = acct
		d.container, d.prefix = splitContainer(path)
		source := endpoint + "/" + d.container
		if u.RawQuery != "" {
			source += "?" + u.RawQuery
		}
		if !strings.HasPrefix(l, "az://") {
			dest = source
		} else {
			dest = "az://" + account + "/" + d.container
		}
	case IsConnectionString(dest):
		return nil, errors.New("destination: a connection string names no container; give the container as --publish <container>[/prefix] and the connection string in AZURE_STORAGE_CONNECTION_STRING")
	default:
		path = strings.Trim(dest, "/")
		d.container, d.prefix = splitContainer(path)
		switch {
		case opts.ConnectionString != "":
			dest = opts.ConnectionString
		case opts.Account != "":
			dest = "az://" + opts.Account
		default:
			return nil, fmt.Errorf("destination %s names a container but no account: write az://<account>/%s, or set AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT", d.name, path)
		}
	}
	if !containerName.MatchString(d.container) {
		return nil, fmt.Errorf("destination %s: %q is not a container name (3 to 63 lower-case letters, digits and hyphens, or $web for a static website)", d.name, d.container)
	}
	a, err := NewAzure(dest, opts)
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", d.name, err)
	}
	d.a = a
	return d, nil
}

// splitContainer splits "container/some/prefix" into the container and "some/prefix/".
func splitContainer(path string) (string, string) {
	c, prefix, _ := strings.Cut(path, "/")
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return c, prefix
}

// String is the destination as given, with any secret removed.
func (d *Dest) String() string { return d.name }

// Container is the container's name.
func (d *Dest) Container() string { return d.container }

// URL is the blob URL of name under the destination, without credentials.
func (d *Dest) URL(name string) string {
	return d.a.URL() + "/" + d.container + "/" + d.prefix + name
}

// Put creates or replaces the block blob name with data, stored with its Content-MD5 so that
// List can tell whether a later upload would change it.
func (d *Dest) Put(ctx context.Context, name string, data []byte, up Upload) error {
	sum := md5.Sum(data)
	bb := d.block(name)
	opts := &blockblob.UploadOptions{HTTPHeaders: d.headers(up, sum[:]), Metadata: metadata(up.Metadata)}
	_, err := bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(data)), opts)
	if bloberror.HasCode(err, bloberror.ContainerNotFound) {
		if err := d.a.ensureContainer(ctx, d.container); err != nil {
			return err
		}
		_, err = bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(data)), opts)
	}
	if err != nil {
		return d.a.fail("upload", d.key(name), err)
	}
	return nil
}

// PutFile creates or replaces the block blob name with the file at path, streamed in blocks.
// sum is the file's MD5, stored as its Content-MD5.
func (d *Dest) PutFile(ctx context.Context, name, path string, sum []byte, up Upload) error {
	upload := func() error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("upload %s: %w", d.key(name), err)
		}
		defer f.Close()
		_, err = d.block(name).UploadFile(ctx, f, &blockblob.UploadFileOptions{
			BlockSize:   8 << 20,
			Concurrency: 4,
			HTTPHeaders: d.headers(up, sum),
			Metadata:    metadata(up.Metadata),
		})
		return err
	}
	err := upload()
	if bloberror.HasCode(err, bloberror.ContainerNotFound) {
		if err := d.a.ensureContainer(ctx, d.container); err != nil {
			return err
		}
		err = upload()
	}
	var pe *os.PathError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return err
	default:
		return d.a.fail("upload", d.key(name), err)
	}
}

func (d *Dest) headers(up Upload, sum []byte) *blob.HTTPHeaders {
	h := &blob.HTTPHeaders{BlobContentType: &up.ContentType, BlobContentMD5: sum}
	if up.NoCache {
		h.BlobCacheControl = new("no-cache")
	}
	return h
}

func metadata(m map[string]string) map[string]*string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = &v
	}
	return out
}

// Get returns the blob name, which must be no larger than limit bytes; an error wrapping
// ErrNotFound when it does not exist.
func (d *Dest) Get(ctx context.Context, name string, limit int64) ([]byte, error) {
	resp, err := d.a.svc.NewContainerClient(d.container).NewBlobClient(d.prefix+name).DownloadStream(ctx, nil)
	if err != nil {
		return nil, d.a.fail("download", d.key(name), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, d.a.fail("download", d.key(name), err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("download %s: larger than %d bytes", d.key(name), limit)
	}
	return b, nil
}

// List calls fn for every blob whose name starts with under, in name order, page by page. A
// destination whose container does not exist yet holds no blobs.
func (d *Dest) List(ctx context.Context, under string, fn func(DestObject) error) error {
	pager := d.a.svc.NewContainerClient(d.container).NewListBlobsFlatPager(&container.ListBlobsFlatOptions{
		Prefix:  new(d.prefix + under),
		Include: container.ListBlobsInclude{Metadata: true},
	})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if bloberror.HasCode(err, bloberror.ContainerNotFound) {
			return nil
		}
		if err != nil {
			return d.a.fail("list", d.key(under), err)
		}
		if page.Segment == nil {
			continue
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name == nil {
				continue
			}
			o := DestObject{Name: strings.TrimPrefix(*it.Name, d.prefix)}
			if p := it.Properties; p != nil {
				if p.ContentLength != nil {
					o.Size = *p.ContentLength
				}
				o.MD5 = p.ContentMD5
				if p.ContentType != nil {
					o.ContentType = *p.ContentType
				}
			}
			for k, v := range it.Metadata {
				if v != nil {
					if o.Metadata == nil {
						o.Metadata = map[string]string{}
					}
					o.Metadata[strings.ToLower(k)] = *v
				}
			}
			if err := fn(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// Delete removes the blob name; one that is already gone is no error.
func (d *Dest) Delete(ctx context.Context, name string) error {
	_, err := d.a.svc.NewContainerClient(d.container).NewBlobClient(d.prefix+name).Delete(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.BlobNotFound) {
		return d.a.fail("delete", d.key(name), err)
	}
	return nil
}

func (d *Dest) block(name string) *blockblob.Client {
	return d.a.svc.NewContainerClient(d.container).NewBlockBlobClient(d.prefix + name)
}

// key names a blob in errors: container/prefix/name.
func (d *Dest) key(name string) string { return d.container + "/" + d.prefix + name }
