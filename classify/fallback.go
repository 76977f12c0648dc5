package classify

import "github.com/ibmitap/ibmitap/classify/detect"

// fallbackTLS recognises a TLS session picked up mid-stream (no hello in the
// heads): in either direction, somewhere in the first bytes, well-formed
// record headers that chain. It runs only when no detector matched.
func fallbackTLS(in *detect.Input, v *detect.Verdict) {
	if !in.MidStream || !(tlsRecordsWithin(in.C2S) || tlsRecordsWithin(in.S2C)) {
		return
	}
	v.Protocol = "tls"
	v.Encrypted = true
}

// maxRecord is the largest TLS record (ciphertext of TLS 1.2 and earlier).
const maxRecord = 16384 + 2048

// tlsRecordsWithin reports whether a chain of TLS records starts within the
// first record's length of b: a capture that starts inside a record sees
// its tail first.
func tlsRecordsWithin(b []byte) bool {
	limit := len(b)
	if limit > maxRecord+5 {
		limit = maxRecord + 5
	}
	for off := 0; off < limit; off++ {
		if b[off] >= 0x14 && b[off] <= 0x18 && tlsChain(b[off:]) {
			return true
		}
	}
	return false
}

// tlsChain reports whether b starts with TLS record headers that chain
// (content type 20-24, version 3.x, sane lengths): two whole records, or one
// that ends exactly where b ends.
func tlsChain(b []byte) bool {
	n := 0
	for len(b) >= 5 {
		if b[0] < 0x14 || b[0] > 0x18 || b[1] != 3 || b[2] > 4 {
			return false
		}
		l := int(b[3])<<8 | int(b[4])
		if l == 0 || l > maxRecord {
			return false
		}
		if len(b) < 5+l {
			return n >= 1 // the next record runs past the head
		}
		n++
		b = b[5+l:]
		if n >= 2 {
			return true
		}
	}
	return n >= 1 && len(b) == 0
}
