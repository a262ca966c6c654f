package reports

import (
	"database/sql"
	"regexp"
	"time"

	"github.com/amlmon/amlmon"
)

// dateParams are the query parameters that hold a day (DateLayout): $day, and $from of
// node_steps.
var dateParams = regexp.MustCompile(`\$(day|from)\b`)

// inlineDates writes the day parameters into the query text as literals. DuckDB skips the
// partitions a filter excludes only when the filter is a constant as the query is planned; a
// bound parameter is not, so a query for one day would open every file of the views' week.
// The values are dates the report formats itself, checked here to be nothing else.
func inlineDates(text string, args []any) (string, []any) {
	values := map[string]string{}
	var rest []any
	for _, a := range args {
		if n, ok := a.(sql.NamedArg); ok && (n.Name == "day" || n.Name == "from") {
			if s, ok := n.Value.(string); ok {
				if _, err := time.Parse(amlmon.DateLayout, s); err == nil {
					values[n.Name] = s
					continue
				}
			}
		}
		rest = append(rest, a)
	}
	if len(values) == 0 {
		return text, args
	}
	text = dateParams.ReplaceAllStringFunc(text, func(m string) string {
		if v, ok := values[m[1:]]; ok {
			return "'" + v + "'"
		}
		return m
	})
	return text, rest
}
