package transform

import (
	"github.com/amlmon/amlmon"
)

// containerTable is the table of records that name no usable category: that of the blob's
// category, as its container names it, made safe to be a directory name.
func containerTable(b Blob) amlmon.Table {
	name := b.Category
	if name == "" {
		name = b.Container
	}
	if t, _, ok := amlmon.TableOf(name); ok {
		return t
	}
	name = safeTableName(name)
	if _, taken := amlmon.TableNamed(name); taken {
		name = "Category_" + name // never write log rows into a table of other categories
	}
	return amlmon.LogTable(name)
}

// validTableName reports whether a category may name a table (and so a directory) as it is.
func validTableName(s []byte) bool {
	if len(s) == 0 || !('A' <= s[0] && s[0] <= 'Z' || 'a' <= s[0] && s[0] <= 'z') {
		return false
	}
	for _, c := range s {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// isFixedTable reports whether name is one of the lake's fixed tables, whatever its case.
func isFixedTable(name string) bool {
	_, ok := amlmon.TableNamed(name)
	return ok
}

// safeTableName makes s a valid table name by replacing what a directory name must not hold.
func safeTableName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if !validTableName(b) {
		b = append([]byte("Category_"), b...)
	}
	return string(b)
}

// table returns the decode's tableInfo for t, one per table name regardless of case.
func (d *decoder) table(t amlmon.Table) *tableInfo {
	key := string(appendLower(nil, []byte(t.Name)))
	if ti, ok := d.tables[key]; ok {
		return ti
	}
	ti := newTableInfo(t, d.blob.Category)
	d.tables[key] = ti
	return ti
}

// containerFallback is the table of records that name no usable category. It is made on
// first use, so that when records do name their category, the table is spelt as they spell
// it rather than as the lower-case container does (tables are keyed case-insensitively).
func (d *decoder) containerFallback() *tableInfo {
	if d.fallback == nil {
		d.fallback = d.table(containerTable(d.blob))
	}
	return d.fallback
}

// route picks the table of the parsed record.
func (d *decoder) route() *tableInfo {
	if d.blob.Metrics {
		return d.metrics
	}
	m := d.std(stdCategory)
	if m == nil || d.val(m)[0] != '"' {
		return d.containerFallback()
	}
	val := d.val(m)
	name := val[1 : len(val)-1]
	if m.valEsc {
		d.catBuf = unescape(d.catBuf[:0], val)
		name = d.catBuf
	}
	name = trimSpaceBytes(name)
	if len(name) == 0 {
		return d.containerFallback()
	}
	if ti, ok := d.byName[string(name)]; ok {
		return ti
	}
	// A category names its table as it is spelt; one that cannot be a folder name as it is
	// ("Foo-Bar") is made into one ("Foo_Bar") rather than mixed into another table.
	// A category that only names a table (AmlModelsEvent, AzureMetrics) is none of its
	// categories: its records go with the container's.
	var ti *tableInfo
	_, ok := amlmon.TableNamed(string(name))
	if t, _, mapped := amlmon.TableOf(string(name)); mapped {
		ti = d.table(t)
	} else if !ok && validTableName(name) {
		ti = d.table(amlmon.LogTable(string(name)))
	} else if safe := safeTableName(string(name)); !ok && !isFixedTable(safe) {
		ti = d.table(amlmon.LogTable(safe))
	} else {
		ti = d.containerFallback()
	}
	if len(d.byName) < maxCachedCategories {
		d.byName[string(name)] = ti
	}
	return ti
}
