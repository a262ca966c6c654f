package transform

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecode checks that the decoder never fails or panics on any blob, accounts for every
// line exactly once, and judges JSON validity as encoding/json does.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"time":"2026-11-25T13:00:00Z","category":"AmlComputeJobEvent","properties":{"JobId":"a"}}` + "\n",
		"\xEF\xBB\xBF" + `{"time":"2016-07-01T00:00:37.2040000Z"}` + "\r\n\r\n  \n" + `{"time":"5/18/2021 3:25:55 AM +00:00"}`,
		`{"records":[{"time":"2026-11-25T13:00:00Z"},{"time":"2026-11-25T13:00:01Z"}]}`,
		"{\n \"records\" : [\n  {\"time\": \"2019-08-22 20:50:59.522\"},\n  {\"time\": \"x\"}\n ]\n}\n",
		`[1,2]` + "\n" + `"s"` + "\n" + `{"time":` + "\n" + `{"time":"2026-11-25T13:00:00Z"} x` + "\n{}\n",
		`{"time":"2026-11-25T13:00:00Z","properties":"{\"JobId\":\"s\"}","resourceid":"/subscriptions/a/resourcegroups/b/"}`,
		`{"time":"2026-11-25T23:59:59.9999999Z","category":"AmlComputeClusterEvent","properties":{"QuotaAllocated":"48","CoreCount":4.7,"IsResizeGrow":true}}`,
		`{"TIME":"2026-11-25T13:00:00Z","Category":"Bad Name!","x":{"y":[1,{"z":null}]},"k\u0041":"\ud83d\ude00"}`,
		"{\"time\":\"2026-11-25T13:00:00Z\",\"x\":\"\xff\"}\n{\"time\":\"2026-11-25T13:00:00Z\",\"x\":\"\x01\"}\n",
		`{"count":"14","total":1e400,"time":"2018-12-20T17:00:00.0000000Z","metricName":"Unusable Nodes"}`,
		"{\"time\":\"2026-11-25T13:00:00Z\"}\n" + strings.Repeat("[", 300) + "\n",
	} {
		f.Add([]byte(seed), false, false)
		f.Add([]byte(seed), true, true)
	}
	// The generator's sample archive holds every quirk of docs/lake.md ("Records") in realistic records.
	for _, seed := range sampleSeeds(f) {
		f.Add(seed.data, true, seed.metrics)
	}
	f.Fuzz(func(t *testing.T, data []byte, sealed, metrics bool) {
		container := "insights-logs-amlcomputejobevent"
		if metrics {
			container = "insights-metrics-pt1m"
		}
		sink := &memSink{t: t}
		const maxLine = 4096
		res, err := runDecode(t, context.Background(), testBlob(container), 0, bytes.NewReader(data),
			decodeOptions{batchRows: 3, sealed: sealed, maxLine: maxLine}, sink)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if int64(len(sink.rows)) != res.records+res.rejected {
			t.Fatalf("%d rows written, %d records and %d rejects counted", len(sink.rows), res.records, res.rejected)
		}
		if res.consumed < 0 || res.consumed > int64(len(data)) {
			t.Fatalf("consumed %d of %d bytes", res.consumed, len(data))
		}
		start := 0
		if bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
			start = 3
		}
		_, wrapped, partial := wrapperPrefix(data[start:])
		if wrapped {
			checkWrapper(t, data[start:], res)
			return
		}
		if partial && !sealed {
			if len(sink.rows) != 0 || res.consumed != 0 {
				t.Fatalf("the head of a wrapper in progress gave %d rows, consumed %d", len(sink.rows), res.consumed)
			}
			return
		}

		// What the decoder made of each line, by its offset: "" for a record, else the reason.
		verdict := make(map[int64]string)
		for _, r := range sink.rows {
			off := r["_SourceOffset"].(int64)
			if _, dup := verdict[off]; dup {
				t.Fatalf("two rows for the line at %d", off)
			}
			reason, _ := r["Reason"].(string)
			verdict[off] = reason
		}
		var lines, left int64
		wantConsumed := int64(len(data))
		for off := start; off < len(data); {
			n := bytes.IndexByte(data[off:], '\n')
			terminated := n >= 0
			if !terminated {
				n = len(data) - off
			}
			line := bytes.Trim(data[off:off+n], " \t\r\n")
			if !terminated && !sealed && len(line) == 0 {
				wantConsumed = int64(off) // a blank start of a line still being written
			}
			if len(line) > 0 {
				lines++
				v, ok := verdict[int64(off)]
				switch {
				case !ok && !terminated && !sealed:
					left++
					// A byte-order mark before nothing but the unfinished line stays unconsumed,
					// so that the next run reads the blob from its first byte again.
					if res.consumed != int64(off) && (off != start || res.consumed != 0) {
						t.Fatalf("left the last line at %d but consumed %d", off, res.consumed)
					}
				case !ok:
					t.Fatalf("line at %d has no row: %q", off, line)
				case v == "line too long":
					if n < maxLine {
						t.Fatalf("line of %d bytes at %d rejected as too long", n, off)
					}
				case n >= maxLine:
					t.Fatalf("line of %d bytes at %d kept: %q", n, off, v)
				case utf8.Valid(line) && strings.HasPrefix(v, "invalid JSON") == json.Valid(line):
					t.Fatalf("line at %d: verdict %q, but json.Valid says %v: %q", off, v, json.Valid(line), line)
				case v == "" && line[0] != '{':
					t.Fatalf("line at %d kept but not an object: %q", off, line)
				}
			}
			off += n + 1
		}
		if res.records+res.rejected+left != lines {
			t.Fatalf("%d records + %d rejects + %d left != %d lines", res.records, res.rejected, left, lines)
		}
		if left == 0 && res.consumed != wantConsumed {
			t.Fatalf("consumed %d of %d, want %d", res.consumed, len(data), wantConsumed)
		}
	})
}

// checkWrapper checks that a well-formed {"records": [...]} blob yields one row per element
// and is consumed whole.
func checkWrapper(t *testing.T, data []byte, res decodeResult) {
	var w map[string][]json.RawMessage
	if !utf8.Valid(data) || bytes.Count(data, []byte(`"records"`)) != 1 || json.Unmarshal(data, &w) != nil || len(w) != 1 {
		return
	}
	if n := int64(len(w["records"])); res.records+res.rejected != n {
		t.Fatalf("%d records + %d rejects, want %d elements", res.records, res.rejected, n)
	}
	if res.consumed != int64(len(bytes.TrimRight(data, " \t\r\n"))) && res.consumed != int64(len(data)) {
		t.Fatalf("consumed %d of %d bytes of a whole wrapper", res.consumed, len(data))
	}
}

type sampleSeed struct {
	data    []byte
	metrics bool
}

// sampleSeeds are the blobs of the sample archive in testdata/ (made by archive/gen) that
// show a quirk: a wrapper, a BOM, CRLF, a rejected line. Small ones only: the fuzzer mutates
// each seed many times.
func sampleSeeds(f *testing.F) []sampleSeed {
	f.Helper()
	var seeds []sampleSeed
	quirk := regexp.MustCompile(`^\xEF\xBB\xBF|^\s*\{\s*"records"|\r\n|"(?i:time)"\s*:\s*"[^0-9]|^[^{\s]`)
	err := filepath.WalkDir(filepath.Join("..", "testdata", "archive"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(seeds) >= 40 {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if len(b) > 0 && len(b) <= 8<<10 && quirk.Match(b) {
			seeds = append(seeds, sampleSeed{b, strings.Contains(path, "insights-metrics-")})
		}
		return nil
	})
	if err != nil {
		f.Fatalf("read the sample archive: %v", err)
	}
	if len(seeds) == 0 {
		f.Fatal("no quirky blob in the sample archive: has testdata/archive moved?")
	}
	return seeds
}
