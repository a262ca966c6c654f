package main

import (
	"net/url"
	"strings"
)

// redactSource returns a form of an archive source that is safe to log: a connection string
// keeps only its account name and blob endpoint, a URL loses its query (a SAS token) and any
// user information; a directory or az://<account> is returned as it is.
func redactSource(s string) string {
	s = strings.TrimSpace(s)
	if isConnectionString(s) {
		var keep []string
		for _, part := range strings.Split(s, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				continue
			}
			switch strings.ToLower(k) {
			case "accountname":
				keep = append(keep, "AccountName="+v)
			case "blobendpoint":
				keep = append(keep, "BlobEndpoint="+redactURL(v))
			}
		}
		return "connection string (" + strings.Join(keep, ";") + ")"
	}
	if strings.Contains(s, "://") {
		return redactURL(s)
	}
	return s
}

// isConnectionString reports whether s looks like an Azure Storage connection string.
func isConnectionString(s string) bool {
	l := strings.ToLower(s)
	for _, k := range []string{"accountkey=", "sharedaccesssignature=", "accountname=", "blobendpoint=", "defaultendpointsprotocol=", "usedevelopmentstorage="} {
		if strings.Contains(l, k) {
			return true
		}
	}
	return false
}

// redactURL drops what in a URL can be a secret: the query and the user information.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		// An unparsable URL may still carry a token after '?'; keep only what precedes it.
		before, _, _ := strings.Cut(s, "?")
		if i := strings.LastIndex(before, "@"); i >= 0 {
			before = before[i+1:]
		}
		return before
	}
	hadQuery := u.RawQuery != "" || u.ForceQuery
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	u.Fragment = ""
	out := u.String()
	if hadQuery {
		out += "?REDACTED"
	}
	return out
}
