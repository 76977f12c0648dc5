package tls

// Record content types (RFC 8446 §5.1).
const (
	recChangeCipherSpec = 0x14
	recAlert            = 0x15
	recHandshake        = 0x16
	recApplicationData  = 0x17
	recHeartbeat        = 0x18
)

// maxRecord bounds a record's fragment length: 2^14 plus the TLS 1.2
// ciphertext expansion allowance (RFC 5246 §6.2.3).
const maxRecord = 16384 + 2048

// maxMessage bounds how much of a handshake message spanning several records
// is reassembled; heads are smaller than this, so nothing real is lost.
const maxMessage = 16 << 10

// record parses the record header at the start of b. frag is the fragment
// (cut short when b ends inside it), whole says it is complete and rest is
// what follows it. ok is false when b does not start with a plausible
// TLS/SSL 3.0 record header of content type typ.
func record(b []byte, typ byte) (frag, rest []byte, whole, ok bool) {
	if len(b) < 5 || b[0] != typ || b[1] != 3 || b[2] > 4 {
		return nil, nil, false, false
	}
	n := int(b[3])<<8 | int(b[4])
	if n == 0 || n > maxRecord {
		return nil, nil, false, false
	}
	if len(b) < 5+n {
		return b[5:], nil, false, true
	}
	return b[5 : 5+n], b[5+n:], true, true
}

// firstMessage returns the first handshake message (4-byte header included)
// of the record stream b. When the message lies inside the first record it
// is a sub-slice of b; when it spans records its fragments are copied into
// scratch, and if scratch is too small (nil for a caller that wants no copy)
// spans is set and nothing is returned. complete is false when b ends before
// the message does; msg then holds what is there.
func firstMessage(b, scratch []byte) (msg []byte, complete, spans, ok bool) {
	frag, rest, whole, ok := record(b, recHandshake)
	if !ok {
		return nil, false, false, false
	}
	if len(frag) >= 4 {
		need := 4 + (int(frag[1])<<16 | int(frag[2])<<8 | int(frag[3]))
		if len(frag) >= need {
			return frag[:need], true, false, true
		}
		if !whole || len(rest) == 0 {
			return frag, false, false, true
		}
	}
	if !whole {
		return frag, false, false, true
	}
	// The message continues in the following handshake records.
	if len(scratch) == 0 {
		return nil, false, true, true
	}
	n := copy(scratch, frag)
	for {
		if n >= 4 {
			need := 4 + (int(scratch[1])<<16 | int(scratch[2])<<8 | int(scratch[3]))
			if n >= need {
				return scratch[:need], true, false, true
			}
			if need > len(scratch) && n == len(scratch) {
				return scratch[:n], false, false, true
			}
		}
		frag, rest, whole, ok = record(rest, recHandshake)
		if !ok {
			// Another content type or the end of the head: keep what we have.
			return scratch[:n], false, false, true
		}
		n += copy(scratch[n:], frag)
		if !whole {
			if n >= 4 {
				need := 4 + (int(scratch[1])<<16 | int(scratch[2])<<8 | int(scratch[3]))
				if n >= need {
					return scratch[:need], true, false, true
				}
			}
			return scratch[:n], false, false, true
		}
	}
}

// reader walks a handshake message. A read past the end sets short and
// returns zero values, so parsers check short once per field group instead
// of bounds-checking every byte.
type reader struct {
	b     []byte
	short bool
}

func (r *reader) u8() int {
	if len(r.b) < 1 {
		r.short = true
		return 0
	}
	v := int(r.b[0])
	r.b = r.b[1:]
	return v
}

func (r *reader) u16() int {
	if len(r.b) < 2 {
		r.short = true
		r.b = nil
		return 0
	}
	v := int(r.b[0])<<8 | int(r.b[1])
	r.b = r.b[2:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || len(r.b) < n {
		r.short = true
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// grease reports whether v is a GREASE value (RFC 8701): 0x?A?A with equal
// bytes.
func grease(v int) bool {
	return v&0x0f0f == 0x0a0a && v>>8 == v&0xff
}

// knownVersion maps a wire version to the one it stands for: SSL 2.0 to
// TLS 1.3, and the TLS 1.3 drafts (0x7Fxx) to TLS 1.3. Others give 0.
func knownVersion(v int) uint16 {
	switch {
	case v == 0x0002, v >= 0x0300 && v <= 0x0304:
		return uint16(v)
	case v>>8 == 0x7f:
		return 0x0304
	}
	return 0
}

// printable reports whether b is a non-empty run of printable ASCII, which
// host names and ALPN protocol IDs are; anything else is not reported.
func printable(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}
