package transform

import (
	"bytes"
)

// value decodes one record v found at off; text is what a reject keeps of it. When maybeShort
// is set, invalid JSON is taken for an append still in progress and left unconsumed.
func (d *decoder) value(off int64, v, text []byte, maybeShort bool) bool {
	switch err := d.parseRecord(v); {
	case err == nil:
		d.emit(off, text)
	case err == errNotObject:
		d.reject(off, text, "not a JSON object")
	default:
		if maybeShort {
			return false
		}
		d.reject(off, text, "invalid JSON: "+err.Error())
	}
	return true
}

var errNotObject = &jsonError{msg: "not a JSON object"}

// parseRecord scans the record v (trimmed) into d.top and d.props, validating all of it.
func (d *decoder) parseRecord(v []byte) *jsonError {
	d.rec = v
	d.top, d.props, d.arena = d.top[:0], d.props[:0], d.arena[:0]
	d.propText = nil
	for i := range d.stdAt {
		d.stdAt[i] = -1
	}
	if v[0] != '{' {
		end, _, err := d.sc.skipValue(v, 0)
		if err != nil {
			return err
		}
		if end = skipSpace(v, end); end < len(v) {
			return errAt(v, end, "invalid character after top-level value")
		}
		return errNotObject
	}
	end, err := d.members(v, 0, true, false)
	if err != nil {
		return err
	}
	if end = skipSpace(v, end); end < len(v) {
		return errAt(v, end, "invalid character after top-level value")
	}
	if at := d.stdAt[stdProperties]; at >= 0 {
		d.properties(&d.top[at])
	}
	return nil
}

// properties sets the Properties column and, when the properties are a JSON string holding an
// object, scans that object for the typed fields.
func (d *decoder) properties(m *member) {
	val := d.val(m)
	switch val[0] {
	case 'n':
		return
	case '"':
		if m.valEsc {
			d.propStr = unescape(d.propStr[:0], val)
		} else {
			d.propStr = append(d.propStr[:0], val[1:len(val)-1]...)
		}
		obj := trimSpaceBytes(d.propStr)
		if len(obj) > 0 && obj[0] == '{' {
			n := len(d.props)
			lead := len(d.propStr) - len(bytes.TrimLeft(d.propStr, " \t\r\n"))
			end, err := d.members(d.propStr, lead, false, true)
			if err == nil && skipSpace(d.propStr, end) == len(d.propStr) {
				d.propText = obj
				return
			}
			d.props = d.props[:n]
		}
	}
	d.propText = val
}

// val returns the raw JSON value of m.
func (d *decoder) val(m *member) []byte {
	if m.inString {
		return d.propStr[m.vs:m.ve]
	}
	return d.rec[m.vs:m.ve]
}

// key returns the key of m between its quotes, escapes as written.
func (d *decoder) key(m *member) []byte {
	if m.inString {
		return d.propStr[m.ks:m.ke]
	}
	return d.rec[m.ks:m.ke]
}

// members scans the object at v[i] == '{' into d.top (top) or d.props. At the top level a
// properties object is scanned into d.props on the way, so no byte is read twice. inString
// says that v is the unescaped properties string rather than the record.
func (d *decoder) members(v []byte, i int, top, inString bool) (int, *jsonError) {
	i = skipSpace(v, i+1)
	if i < len(v) && v[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(v) || v[i] != '"' {
			return i, errAt(v, i, "expected object key, found")
		}
		kend, kesc, err := scanString(v, i)
		if err != nil {
			return kend, err
		}
		m := member{ks: int32(i + 1), ke: int32(kend - 1), keyEsc: kesc, std: -1, inString: inString}
		i = skipSpace(v, kend)
		if i >= len(v) || v[i] != ':' {
			return i, errAt(v, i, "expected ':', found")
		}
		i = skipSpace(v, i+1)
		m.lo = int32(len(d.arena))
		if kesc {
			d.keyBuf = unescape(d.keyBuf[:0], v[m.ks-1:kend])
			d.arena = appendLower(d.arena, d.keyBuf)
		} else {
			d.arena = appendLower(d.arena, v[m.ks:m.ke])
		}
		m.hi = int32(len(d.arena))
		if top {
			m.std = int8(stdIndex(d.arena[m.lo:m.hi]))
		}
		m.vs = int32(i)
		if m.std == stdProperties && i < len(v) && v[i] == '{' && d.stdAt[stdProperties] < 0 {
			i, err = d.members(v, i, false, inString)
		} else {
			i, m.valEsc, err = d.sc.skipValue(v, i)
		}
		if err != nil {
			return i, err
		}
		m.ve = int32(i)
		if top {
			d.top = append(d.top, m)
			if m.std >= 0 && d.stdAt[m.std] < 0 {
				d.stdAt[m.std] = len(d.top) - 1
			}
		} else {
			d.props = append(d.props, m)
		}
		i = skipSpace(v, i)
		if i < len(v) && v[i] == ',' {
			i = skipSpace(v, i+1)
			continue
		}
		if i < len(v) && v[i] == '}' {
			return i + 1, nil
		}
		return i, errAt(v, i, "invalid character after object value")
	}
}

// std returns the standard field s of the record, or nil.
func (d *decoder) std(s int) *member {
	if at := d.stdAt[s]; at >= 0 {
		return &d.top[at]
	}
	return nil
}

// lookup fills d.slots with the typed fields of the record for table ti: from properties
// first, then from the top level, the first spelling of a name winning.
func (d *decoder) lookup(ti *tableInfo) {
	if cap(d.slots) < len(ti.cols) {
		d.slots = make([]member, len(ti.cols))
	}
	d.slots = d.slots[:len(ti.cols)]
	clear(d.slots)
	for _, ms := range [2][]member{d.props, d.top} {
		for k := range ms {
			m := &ms[k]
			if m.std >= 0 {
				continue
			}
			if i, ok := ti.typed[string(d.arena[m.lo:m.hi])]; ok && d.slots[i].ve == 0 {
				d.slots[i] = *m
			}
		}
	}
}
