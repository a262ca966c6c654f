package transform

import (
	"bytes"
)

// resourceID is an upper-cased resource ID and its parts; a nil part is NULL.
type resourceID struct {
	id, sub, rg, provider, resource []byte
}

// parse sets p from a resource ID as a record spells it, reusing p's buffer.
func (p *resourceID) parse(raw []byte) {
	id := p.id[:0]
	for _, c := range raw {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		id = append(id, c)
	}
	for len(id) > 0 && id[len(id)-1] == '/' {
		id = id[:len(id)-1]
	}
	*p = resourceID{id: id}
	if len(id) == 0 {
		return
	}
	// Walk the segments pairwise: /SUBSCRIPTIONS/<s>/RESOURCEGROUPS/<rg>/PROVIDERS/<p>/<type>/<name>...
	var prev []byte
	afterProvider := -1
	var last []byte
	for rest := id; len(rest) > 0; {
		var seg []byte
		if k := bytes.IndexByte(rest, '/'); k >= 0 {
			seg, rest = rest[:k], rest[k+1:]
		} else {
			seg, rest = rest, nil
		}
		if len(seg) == 0 {
			continue
		}
		switch {
		case afterProvider >= 0:
			afterProvider++
		case string(prev) == "SUBSCRIPTIONS" && p.sub == nil:
			p.sub = seg
		case string(prev) == "RESOURCEGROUPS" && p.rg == nil:
			p.rg = seg
		case string(prev) == "PROVIDERS":
			p.provider = seg
			afterProvider = 0
		}
		prev, last = seg, seg
	}
	if afterProvider >= 2 {
		p.resource = last
	}
}

// resourceID sets d.rid from the record's resourceId, or the blob's when it has none.
func (d *decoder) resourceID() {
	m := d.std(stdResourceID)
	var raw []byte
	if m != nil && d.val(m)[0] == '"' {
		raw, _, _ = scalarText(d.val(m), m.valEsc, &d.scratch)
		raw = trimSpaceBytes(raw)
	}
	if len(bytes.Trim(raw, "/")) == 0 {
		d.lastRaw = d.lastRaw[:0]
		d.rid = d.blobRID
		return
	}
	if len(d.lastRaw) > 0 && bytes.Equal(raw, d.lastRaw) {
		return
	}
	d.lastRaw = append(d.lastRaw[:0], raw...)
	if len(d.rid.id) > 0 && &d.rid.id[0] == &d.blobRID.id[0] {
		d.rid = resourceID{} // never write into the blob's buffer
	}
	d.rid.parse(raw)
}
