package drda

import "encoding/binary"

// DSS types (low four bits of the format byte).
const (
	dssRequest   = 1
	dssReply     = 2
	dssObject    = 3
	dssEncObject = 4
)

// maxDSS bounds how many DSSs one head is walked for; a head is at most a
// few KiB, so this only guards against degenerate tiny segments.
const maxDSS = 512

// dss is one data stream structure with its segments joined.
type dss struct {
	typ      byte
	data     []byte // DDM objects after the 6-byte header, possibly cut short
	complete bool   // every declared byte was present
}

// readDSS parses the DSS at the start of b. rest is what follows it (nil
// when the DSS runs past the end of b). ok is false when b does not start
// with a DSS header.
func readDSS(b []byte) (d dss, rest []byte, ok bool) {
	if len(b) < 6 || b[2] != 0xD0 || b[3]&0x80 != 0 {
		return dss{}, nil, false
	}
	typ := b[3] & 0x0F
	if typ < dssRequest || typ > dssEncObject {
		return dss{}, nil, false
	}
	l := binary.BigEndian.Uint16(b)
	more := l&0x8000 != 0
	seg := int(l & 0x7FFF)
	if seg < 6 {
		return dss{}, nil, false
	}
	d.typ = typ
	if !more {
		if seg > len(b) {
			d.data = b[6:]
			return d, nil, true
		}
		d.data, d.complete = b[6:seg], true
		return d, b[seg:], true
	}
	// A continued DSS: each further segment starts with its own 2-byte
	// length (including those two bytes) whose high bit says "more".
	if seg > len(b) {
		d.data = b[6:]
		return d, nil, true
	}
	buf := append([]byte(nil), b[6:seg]...)
	b = b[seg:]
	for more {
		if len(b) < 2 {
			d.data = buf
			return d, nil, true
		}
		l = binary.BigEndian.Uint16(b)
		more = l&0x8000 != 0
		seg = int(l & 0x7FFF)
		if seg < 2 || seg > len(b) {
			if seg >= 2 {
				buf = append(buf, b[2:]...)
			}
			d.data = buf
			return d, nil, true
		}
		buf = append(buf, b[2:seg]...)
		b = b[seg:]
	}
	d.data, d.complete = buf, true
	return d, b, true
}

// object is one DDM object (command, reply, parameter or command data).
type object struct {
	cp       uint16
	data     []byte // the object's data, possibly cut short
	length   int    // declared data length
	complete bool
}

// readObject parses the DDM object (LL, CP, data) at the start of b,
// including the extended-length form (LL high bit set, low bits = number of
// length bytes that follow the code point). rest is nil when the object runs
// past the end of b.
func readObject(b []byte) (o object, rest []byte, ok bool) {
	if len(b) < 4 {
		return object{}, nil, false
	}
	ll := binary.BigEndian.Uint16(b)
	o.cp = binary.BigEndian.Uint16(b[2:])
	hdr := 4
	var n uint64
	if ll&0x8000 != 0 {
		k := int(ll & 0x7FFF)
		if k == 0 || k > 8 || len(b) < 4+k {
			return object{}, nil, false
		}
		for _, c := range b[4 : 4+k] {
			n = n<<8 | uint64(c)
		}
		hdr += k
	} else {
		if ll < 4 {
			return object{}, nil, false
		}
		n = uint64(ll) - 4
	}
	if n > 1<<31 {
		return object{}, nil, false
	}
	o.length = int(n)
	body := b[hdr:]
	if o.length > len(body) {
		o.data = body
		return o, nil, true
	}
	o.data, o.complete = body[:o.length], true
	return o, body[o.length:], true
}

// eachObject calls fn for each DDM object in b until the bytes end, stop
// parsing, or fn returns false.
func eachObject(b []byte, fn func(object) bool) {
	for len(b) > 0 {
		o, rest, ok := readObject(b)
		if !ok || !fn(o) {
			return
		}
		b = rest
	}
}

// eachDSS calls fn for each DSS in b until the bytes end or stop parsing.
func eachDSS(b []byte, fn func(dss)) {
	for i := 0; i < maxDSS && len(b) > 0; i++ {
		d, rest, ok := readDSS(b)
		if !ok {
			return
		}
		fn(d)
		b = rest
	}
}
