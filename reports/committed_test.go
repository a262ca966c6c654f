package reports

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// jobFile is the fixture's one Parquet file of job events of the report day.
func jobFile(t *testing.T, l *lakeBuilder) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(l.dir, "AmlComputeJobEvent", "date=2026-11-25", "*.parquet"))
	if err != nil || len(files) != 1 {
		t.Fatalf("fixture job files of the day: %v, %v", files, err)
	}
	return files[0]
}

func countJobs(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM AmlComputeJobEvent WHERE date = DATE '2026-11-25'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A Parquet file that the manifest does not name — a copy left by hand, a COPY ... TO from a
// query, or a file that a sync renamed into place but was killed before committing — is not
// read: the report stays the same, rows are not doubled.
func TestFilesTheManifestDoesNotNameAreNotRead(t *testing.T) {
	l := fixtureLake(t)
	want := reportCSVs(t, l.open())
	data, err := os.ReadFile(jobFile(t, l))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(jobFile(t, l))
	for _, name := range []string{"copy.parquet", "0123456789abcdef0123.parquet"} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A stray that no reader could open, in a day of the scope: not opened at all.
	corrupt(t, dir, "garbage.parquet")

	for _, scoped := range []bool{true, false} {
		var opts []Option
		if scoped {
			opts = append(opts, ReportDays(reportDay))
		}
		db, err := Open(context.Background(), l.dir, opts...)
		if err != nil {
			t.Fatalf("scoped %v: %v", scoped, err)
		}
		// 11 rows in the fixture's job file of the day (fixtureLake).
		if n := countJobs(t, db); n != 11 {
			t.Errorf("scoped %v: %d job events of the day, want the 11 committed", scoped, n)
		}
		got := reportCSVs(t, db)
		db.Close()
		for name, w := range want {
			if got[name] != w {
				t.Errorf("scoped %v: %s.csv changed by stray files:\n%s\nwant\n%s", scoped, name, got[name], w)
			}
		}
	}
}

// A file that the manifest names but that is missing, truncated or empty stops every reader
// with an error that names it; nothing is reported from a lake short of rows.
func TestMissingOrDamagedFilesAreErrors(t *testing.T) {
	cases := []struct {
		name   string
		damage func(path string) error
		says   string
	}{
		{"deleted", os.Remove, "is missing"},
		{"truncated", func(p string) error {
			info, err := os.Stat(p)
			if err != nil {
				return err
			}
			return os.Truncate(p, info.Size()/2)
		}, "committed"},
		{"zero-length", func(p string) error { return os.Truncate(p, 0) }, "has 0 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := fixtureLake(t)
			file := jobFile(t, l)
			if err := c.damage(file); err != nil {
				t.Fatal(err)
			}
			rel := "AmlComputeJobEvent/date=2026-11-25/" + filepath.Base(file)
			for _, scoped := range []bool{true, false} {
				var opts []Option
				if scoped {
					opts = append(opts, ReportDays(reportDay))
				}
				db, err := Open(context.Background(), l.dir, opts...)
				if err == nil {
					db.Close()
					t.Fatalf("scoped %v: Open succeeded on a lake with a %s file", scoped, c.name)
				}
				if msg := err.Error(); !strings.Contains(msg, rel) || !strings.Contains(msg, c.says) || !strings.Contains(msg, "amlmon check") {
					t.Errorf("scoped %v: error %q does not name %s, say %q and what to do", scoped, msg, rel, c.says)
				}
			}
			// A day whose files are intact is still reported.
			other := l.dir
			db, err := Open(context.Background(), other, Days(reportDay.AddDate(0, 0, 1), reportDay.AddDate(0, 0, 1)))
			if err != nil {
				t.Fatalf("another day: %v", err)
			}
			db.Close()
		})
	}
}

// A manifest file that is not JSON lines is an error naming it, when its days are read.
func TestGarbageManifestIsAnError(t *testing.T) {
	l := fixtureLake(t)
	name := filepath.Join(l.dir, "_amlmon", "blobs", "date=2000-01-01", "fixture.jsonl")
	if err := os.WriteFile(name, []byte("{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), l.dir)
	if err == nil || !strings.Contains(err.Error(), name) {
		t.Fatalf("Open over a garbage manifest: %v, want an error naming %s", err, name)
	}
}
