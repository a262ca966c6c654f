package main

import (
	"net/url"
	"strings"

	"github.com/amlmon/amlmon/archive"
)

// redactSource returns a form of an archive source that is safe to log, whatever the source
// looks like: a connection string keeps only its account name and blob endpoint; anything else
// loses everything from the first '?' on (a SAS query) and any user information, and what is
// left has every sig=, AccountKey= and SharedAccessSignature= value masked, in case a secret was
// typed where no '?' announces it. A directory or az://<account> is returned as it is.
func redactSource(s string) string {
	s = strings.TrimSpace(s)
	if archive.IsConnectionString(s) {
		var keep []string
		for _, part := range strings.Split(s, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				continue
			}
			switch strings.ToLower(k) {
			case "accountname":
				keep = append(keep, "AccountName="+archive.Redact(v))
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
	return archive.Redact(before)
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
	return archive.Redact(before)
}
