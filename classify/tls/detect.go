package tls

import "github.com/ibmitap/ibmitap/classify/detect"

// Detect recognises a flow whose client stream starts with a TLS or SSLv2
// ClientHello and fills v.TLS from the handshake. A flow captured mid-session
// whose heads start with chained TLS records is recognised too, without
// handshake details.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if Inspect(in.C2S, in.S2C, &v.TLS) {
		v.Protocol = "tls"
		v.Encrypted = true
		return true
	}
	if in.MidStream && (midStream(in.C2S) || midStream(in.S2C)) {
		v.Protocol = "tls"
		v.Encrypted = true
		return true
	}
	return false
}

// Inspect parses a ClientHello at the start of c2s and the server's answer
// at the start of s2c into t. It reports whether c2s starts with a
// ClientHello; other detectors call it on the bytes after a STARTTLS-style
// upgrade. t is left alone when it returns false.
func Inspect(c2s, s2c []byte, t *detect.TLSInfo) bool {
	ch, ok := ParseClientHello(c2s)
	if !ok {
		return false
	}
	t.Seen = true
	t.Offered = ch.Highest
	t.SNI = ch.SNI
	t.ALPN = ch.ALPN
	sh, ok := ParseServerHello(s2c)
	if !ok {
		return true
	}
	if sh.Alert {
		t.Alert = true
		return true
	}
	t.Established = true
	t.Negotiated = sh.Negotiated
	if sh.ALPN != "" {
		t.ALPN = selectedFirst(ch.ALPN, sh.ALPN)
	}
	return true
}

// selectedFirst moves the server's choice to the front of the offered list
// (adding it when the client did not offer it) in place.
func selectedFirst(offered []string, sel string) []string {
	for i, p := range offered {
		if p == sel {
			copy(offered[1:i+1], offered[:i])
			offered[0] = p
			return offered
		}
	}
	return append([]string{sel}, offered...)
}

// midStream reports whether b starts with at least two chained record
// headers of plausible content types, or with one record that exactly fills
// b: how TLS looks when the head starts at a record boundary mid-session.
func midStream(b []byte) bool {
	for n := 0; ; n++ {
		if len(b) == 0 {
			return n >= 1
		}
		if len(b) < 5 || b[0] < recChangeCipherSpec || b[0] > recHeartbeat || b[1] != 3 || b[2] > 4 {
			return n >= 2
		}
		l := int(b[3])<<8 | int(b[4])
		if l == 0 || l > maxRecord {
			return false
		}
		if len(b) < 5+l {
			return n >= 1
		}
		b = b[5+l:]
	}
}

// Reject reports that no more bytes can make Detect match: the client's
// first bytes are no handshake record nor SSLv2 hello and, for a flow picked
// up mid-stream, neither direction starts with a TLS record header.
func Reject(in *detect.Input) bool {
	c := in.C2S
	switch {
	case len(c) == 0:
		return false
	case c[0]&0x80 != 0: // SSLv2: the first 11 bytes decide
		if len(c) < 3 || c[2] == 0x01 && len(c) < 11 {
			return false
		}
		if _, ok := parseV2ClientHello(c[:min(len(c), 11)]); ok {
			return false
		}
	case c[0] == recHandshake && (len(c) < 6 || c[5] == 0x01):
		return false
	}
	if !in.MidStream {
		return true
	}
	s := in.S2C
	return !recordType(c[0]) && len(s) > 0 && !recordType(s[0])
}

func recordType(b byte) bool { return b >= recChangeCipherSpec && b <= recHeartbeat }
