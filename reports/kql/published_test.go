package kql

import (
	"bufio"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon"
	"github.com/duckdb/duckdb-go/v2"
)

//go:embed testdata/published.kql
var publishedQueries string

//go:embed testdata/published-lake.sql
var publishedLake string

// publishedTables are the lake's tables plus the Log Analytics tables of Azure ML's other
// categories with the columns the lake gives them (docs/lake.md), built here so that these
// tests do not depend on which of them the lake's table list has yet.
func publishedTables() []amlmon.Table {
	tables := amlmon.Tables()
	add := func(name string, cols ...amlmon.Column) {
		if _, ok := amlmon.TableNamed(name); ok {
			return
		}
		t := amlmon.LogTable(name)
		t.Columns = append(slices.Clone(t.Columns), cols...)
		tables = append(tables, t)
	}
	strs := func(names ...string) []amlmon.Column {
		var cols []amlmon.Column
		for _, n := range names {
			cols = append(cols, amlmon.Column{Name: n, Type: amlmon.String})
		}
		return cols
	}
	longs := func(names ...string) []amlmon.Column {
		var cols []amlmon.Column
		for _, n := range names {
			cols = append(cols, amlmon.Column{Name: n, Type: amlmon.Int64})
		}
		return cols
	}
	add("AmlDataSetEvent", strs("AmlDatasetId", "AmlDatasetName", "AmlWorkspaceId", "Identity")...)
	add("AmlEnvironmentEvent", strs("AmlEnvironmentName", "AmlEnvironmentVersion", "Identity")...)
	add("AmlModelsEvent", strs("AmlModelName", "Identity")...)
	add("AmlOnlineEndpointConsoleLog", strs("ContainerImageName", "ContainerName", "DeploymentName", "InstanceId", "Message", "Identity")...)
	add("AmlOnlineEndpointEventLog", strs("DeploymentName", "InstanceId", "Message", "Name", "Identity")...)
	add("AmlOnlineEndpointTrafficLog", append(strs("AuthType", "AzureMLWorkspaceId", "AzureMLWorkspaceName",
		"DeploymentName", "EndpointName", "IdentityData", "Method", "ModelStatusReason", "Path", "Protocol",
		"ResponseCodeReason", "UserAgent", "XMSClientRequestId", "XRequestId", "Identity"),
		longs("ModelStatusCode", "RequestDurationMs", "RequestPayloadSize", "RequestThrottlingDelayMs",
			"ResponseCode", "ResponseDurationMs", "ResponsePayloadSize", "ResponseThrottlingDelayMs", "TotalDurationMs")...)...)
	add("AmlRegistryWriteEventsLog", strs("AssetName", "AssetVersion", "Labels", "RegistryResourceId",
		"RegistryTenantId", "UserName", "UserObjectId", "Identity")...)
	return tables
}

// publishedDB is an in-memory DuckDB with every table of tables, filled by
// published-lake.sql.
func publishedDB(t testing.TB, tables []amlmon.Table) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, table := range tables {
		var cols []string
		for _, c := range table.Columns {
			cols = append(cols, ident(c.Name)+" "+c.Type.SQL())
		}
		if _, err := db.Exec("CREATE TABLE " + ident(table.Name) + " (" + strings.Join(cols, ", ") + ")"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(publishedLake); err != nil {
		t.Fatalf("published-lake.sql: %v", err)
	}
	return db
}

type publishedCase struct {
	source, title, query string
	line                 int // of the title, for messages
	cols                 string
	rows                 []string
	ordered              bool
	count                int // -1: not checked
	chart, fails         string
}

// readPublished parses published.kql.
func readPublished(t *testing.T) []publishedCase {
	t.Helper()
	var cases []publishedCase
	var cur *publishedCase
	source := ""
	inQuery, inRows := false, false
	sc := bufio.NewScanner(strings.NewReader(publishedQueries))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			cases = append(cases, publishedCase{source: source, title: line[3:], line: n, count: -1})
			cur = &cases[len(cases)-1]
			inQuery, inRows = true, false
		case cur == nil && strings.HasPrefix(line, "# Source: "):
			source = strings.TrimPrefix(line, "# Source: ")
		case strings.HasPrefix(line, "# "):
			if strings.HasPrefix(line, "# Source: ") {
				source = strings.TrimPrefix(line, "# Source: ")
			}
			cur, inQuery, inRows = nil, false, false
		case cur == nil:
		case strings.HasPrefix(line, "-- "):
			inQuery, inRows = false, false
			key, val, _ := strings.Cut(strings.TrimPrefix(line, "-- "), ":")
			val = strings.TrimSpace(val)
			switch key {
			case "columns":
				cur.cols = val
			case "rows":
				inRows = true
			case "ordered":
				cur.ordered = true
			case "count":
				c, err := strconv.Atoi(val)
				if err != nil {
					t.Fatalf("published.kql:%d: %v", n, err)
				}
				cur.count = c
			case "chart":
				cur.chart = val
			case "fails":
				cur.fails = val
			default:
				t.Fatalf("published.kql:%d: unknown key %q", n, key)
			}
		case inQuery:
			cur.query += line + "\n"
		case inRows && line != "":
			cur.rows = append(cur.rows, line)
		case line == "":
			inRows = false
		}
	}
	return cases
}

// renderPublished writes a value as published.kql spells it: decimals and reals as the
// shortest decimal, timespans as Go durations.
func renderPublished(v any) string {
	switch x := v.(type) {
	case duckdb.Decimal:
		return fmt.Sprintf("%g", x.Float64())
	case duckdb.Interval:
		return (time.Duration(x.Days)*24*time.Hour + time.Duration(x.Micros)*time.Microsecond).String()
	}
	return render(v)
}

// TestPublishedQueries runs the queries that Microsoft publishes for the Azure ML tables and
// AzureMetrics, unchanged, and checks their rows; at least nine in ten must run.
func TestPublishedQueries(t *testing.T) {
	tables := publishedTables()
	db := publishedDB(t, tables)
	cases := readPublished(t)
	if len(cases) < 25 {
		t.Fatalf("published.kql holds %d queries, want the 28 it was written with", len(cases))
	}
	ran := 0
	for _, c := range cases {
		t.Run(c.title, func(t *testing.T) {
			out, err := Compile(c.query, Options{Now: now, Tables: tables})
			if c.fails != "" {
				var ke *Error
				if !errors.As(err, &ke) || !strings.Contains(err.Error(), c.fails) {
					t.Fatalf("published.kql:%d: error = %v, want one containing %s", c.line, err, c.fails)
				}
				return
			}
			if err != nil {
				t.Fatalf("published.kql:%d: %v", c.line, err)
			}
			rows, err := db.Query(out.SQL)
			if err != nil {
				t.Fatalf("published.kql:%d: %v\n%s", c.line, err, out.SQL)
			}
			defer rows.Close()
			cols, got := scanRows(t, rows, renderPublished)
			ran++
			if c.cols != "" && strings.Join(cols, ",") != c.cols {
				t.Errorf("published.kql:%d: columns %s, want %s", c.line, strings.Join(cols, ","), c.cols)
			}
			gotChart := ""
			if out.Chart != nil {
				gotChart = out.Chart.Kind
			}
			if gotChart != c.chart {
				t.Errorf("published.kql:%d: chart %q, want %q", c.line, gotChart, c.chart)
			}
			if c.count >= 0 {
				if len(got) != c.count {
					t.Errorf("published.kql:%d: %d rows, want %d:\n%s", c.line, len(got), c.count, strings.Join(got, "\n"))
				}
				return
			}
			want := slices.Clone(c.rows)
			if !c.ordered {
				sort.Strings(got)
				sort.Strings(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("published.kql:%d: rows\n%s\nwant\n%s\nSQL:\n%s", c.line, strings.Join(got, "\n"), strings.Join(want, "\n"), out.SQL)
			}
		})
	}
	// The three Azure ML monitoring queries of TestDocumentedQueries run as well.
	total, ok := len(cases)+3, ran+3
	t.Logf("%d of %d published queries run", ok, total)
	if ok*10 < total*9 {
		t.Errorf("%d of %d published queries run, want at least nine in ten", ok, total)
	}
}
