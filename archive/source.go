package archive

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"strings"
)

// ResolveSource is the source that source stands for: itself when given, else the connection
// string of opts, else az://<opts.Account>; "" when there is none of them.
func ResolveSource(source string, opts AzureOptions) string {
	source = strings.TrimSpace(source)
	switch {
	case source != "":
		return source
	case opts.ConnectionString != "":
		return strings.TrimSpace(opts.ConnectionString)
	case opts.Account != "":
		return "az://" + opts.Account
	}
	return ""
}

// OpenSource opens the archive that source (resolved by ResolveSource) names: a storage
// account when IsAzureSource says so, else a local directory, which must exist. Its errors
// never repeat the source, which may hold a secret: name it with SourceName. A local directory
// takes only the Inflate limit of opts.
func OpenSource(source string, opts AzureOptions) (Source, error) {
	src := ResolveSource(source, opts)
	if src == "" {
		return nil, errors.New("no archive given: a local directory, az://<account>, a storage URL or a connection string")
	}
	if IsAzureSource(src) {
		return NewAzure(src, opts)
	}
	if _, err := os.Stat(src); err != nil {
		// The path error repeats src, which may be a mistyped secret.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err
	}
	return NewDirWith(src, DirOptions{Inflate: opts.Inflate}), nil
}

// SourceName returns a form of an archive source that is safe to log, whatever the source
// looks like: a connection string keeps only its account name and blob endpoint; anything else
// loses everything from the first '?' on (a SAS query) and any user information, and what is
// left has every sig=, AccountKey= and SharedAccessSignature= value masked, in case a secret was
// typed where no '?' announces it. A directory or az://<account> is returned as it is.
func SourceName(s string) string {
	s = strings.TrimSpace(s)
	if IsConnectionString(s) {
		var keep []string
		for _, part := range strings.Split(s, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				continue
			}
			switch strings.ToLower(k) {
			case "accountname":
				keep = append(keep, "AccountName="+Redact(v))
			case "blobendpoint":
				keep = append(keep, "BlobEndpoint="+redactURL(v))
			}
		}
		return "connection string (" + strings.Join(keep, ";") + ")"
	}
	if strings.Contains(s, "://") {
		return redactURL(s)
	}
	before, _, cut := strings.Cut(s, "?")
	if cut {
		before += "?REDACTED"
	}
	return Redact(before)
}

// redactURL drops what in a URL can be a secret: the query and the user information.
func redactURL(s string) string {
	before, _, hadQuery := strings.Cut(s, "?")
	u, err := url.Parse(before)
	if err != nil {
		// An unparsable URL may still carry user information; keep only what follows it.
		if i := strings.LastIndex(before, "@"); i >= 0 {
			before = before[i+1:]
		}
	} else {
		u.User = nil
		u.Fragment = ""
		before = u.String()
	}
	if hadQuery {
		before += "?REDACTED"
	}
	return Redact(before)
}
