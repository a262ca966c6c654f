// Package sqltext writes names and text into DuckDB SQL, for the report's views and for the
// SQL that a KQL query becomes: the one home of SQL quoting in amlmon.
package sqltext

import "strings"

// Ident quotes a name as an SQL identifier; a quote inside it is doubled, so a name can never
// end the identifier early.
func Ident(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// String quotes s as an SQL string literal. DuckDB's '…' strings have no backslash escapes, so
// doubling the quote is the only escape needed. Values from the archive are bound as
// parameters instead; literals are for what amlmon itself writes (lake paths, KQL constants).
func String(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
