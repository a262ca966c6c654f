package main

// The functions in this file stand for calls into parts of amlmon that are built alongside the
// command; each body is replaced by the real call shown next to it:
//
//	newDir(root)                       = archive.NewDir(root), nil
//	newAzure(source, c, log)           = archive.NewAzure(source, archive.AzureOptions{ConnectionString: c.ConnectionString, Account: c.Account, Key: c.Key, SAS: c.SAS, Logger: log})
//	isAzureSource(s)                   = archive.IsAzureSource(s)
//	fetchArchive(ctx, src, w, dir, parallel, onBlob)
//	                                   = archive.Fetch(ctx, src, w, dir, archive.FetchOptions{Parallel: parallel, OnBlob: onBlob}),
//	                                     its archive.FetchStats copied field by field into fetchCounts
//	loadRules(path)                    = reports.LoadRules(path)
//	writeRows(w, format, rows)         = reports.WriteRows(w, format, rows)
//	queryFormats()                     = reports.Formats
//	isKQL(q)                           = kql.IsKQL(q)
//	translateKQL(q, now)               = kql.Translate(q, now)
//
// Until then the functions that return an error say "not available yet"; isAzureSource and
// isKQL answer false and queryFormats lists the formats of SPEC §4.

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/reports"
)

func newDir(root string) (archive.Source, error) { return nil, errors.New("not available yet") }

func newAzure(source string, c azureCredentials, log *slog.Logger) (archive.Source, error) {
	return nil, errors.New("not available yet")
}

func isAzureSource(s string) bool { return false }

func fetchArchive(ctx context.Context, src archive.Source, w archive.Window, dir string, parallel int, onBlob func(archive.Blob, string)) (fetchCounts, error) {
	return fetchCounts{}, errors.New("not available yet")
}

func loadRules(path string) ([]reports.Rule, error) { return nil, errors.New("not available yet") }

func writeRows(w io.Writer, format string, rows *sql.Rows) (int, error) {
	return 0, errors.New("not available yet")
}

func queryFormats() []string { return []string{"table", "csv", "json", "markdown"} }

func isKQL(q string) bool { return false }

func translateKQL(q string, now time.Time) (string, error) {
	return "", errors.New("not available yet")
}
