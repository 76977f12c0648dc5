package classify

import "github.com/ibmitap/ibmitap/classify/detect"

// fallbackTLS recognises TLS records picked up mid-stream (no hello in the
// heads): a run of well-formed record headers in the client direction. It
// runs only when no detector matched.
func fallbackTLS(in *detect.Input, v *detect.Verdict) {
	if !in.MidStream || !tlsRecords(in.C2S) {
		return
	}
	v.Protocol = "tls"
	v.Encrypted = true
}

// tlsRecords reports whether b starts with TLS record headers that chain
// (content type 20-24, version 3.x, sane lengths) up to its end or for at
// least two records.
func tlsRecords(b []byte) bool {
	n := 0
	for len(b) >= 5 {
		if b[0] < 0x14 || b[0] > 0x18 || b[1] != 3 || b[2] > 4 {
			return false
		}
		l := int(b[3])<<8 | int(b[4])
		if l == 0 || l > 16384+2048 {
			return false
		}
		n++
		if len(b) < 5+l {
			return n >= 1 && len(b) >= 5
		}
		b = b[5+l:]
	}
	return n >= 1
}
