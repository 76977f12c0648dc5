package xmpp

import (
	"bytes"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/starttls"
)

// maxOpen bounds how far into a head the stream header may end.
const maxOpen = 1024

// tlsNS is the namespace of the STARTTLS elements (RFC 6120 §5.4).
var tlsNS = []byte("urn:ietf:params:xml:ns:xmpp-tls")

// Detect recognises an XMPP stream: the client's stream header
// (<stream:stream ... with the jabber:client or jabber:server namespace,
// after an optional XML declaration).
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.MidStream || in.Transport == 17 {
		return false
	}
	if !streamHeader(in.C2S) {
		return false
	}
	v.Protocol = "xmpp"
	c := element(in.C2S, "starttls")
	if c < 0 {
		plain(in.C2S, v)
		return true
	}
	if p := element(in.S2C, "proceed"); p >= 0 {
		starttls.Accepted(v, "STARTTLS", skipSpace(in.C2S[c:]), skipSpace(in.S2C[p:]))
		return true
	}
	if element(in.S2C, "failure") >= 0 && bytes.Contains(in.S2C, tlsNS) {
		starttls.Refused(v, "STARTTLS", "<failure/>")
		return true
	}
	if starttls.StartsTLS(skipSpace(in.C2S[c:])) {
		starttls.Accepted(v, "STARTTLS", skipSpace(in.C2S[c:]), nil)
	}
	return true
}

// streamHeader reports whether b starts (after an XML declaration and
// white space) with an XMPP stream header that names a jabber namespace.
func streamHeader(b []byte) bool {
	b = skipSpace(b)
	if bytes.HasPrefix(b, []byte("<?xml")) {
		i := bytes.Index(b, []byte("?>"))
		if i < 0 || i > 256 {
			return false
		}
		b = skipSpace(b[i+2:])
	}
	if !bytes.HasPrefix(b, []byte("<stream:stream")) && !bytes.HasPrefix(b, []byte("<stream ")) {
		return false
	}
	end := bytes.IndexByte(b, '>')
	if end < 0 || end > maxOpen {
		return false
	}
	h := b[:end]
	return bytes.Contains(h, []byte("jabber:client")) || bytes.Contains(h, []byte("jabber:server"))
}

// element finds the first element named name in the TLS namespace in b and
// returns the offset just past it (after "/>" or its end tag), or -1.
func element(b []byte, name string) int {
	open := []byte("<" + name)
	off := 0
	for {
		i := bytes.Index(b[off:], open)
		if i < 0 {
			return -1
		}
		i += off
		j := i + len(open)
		if j < len(b) && (b[j] == ' ' || b[j] == '/' || b[j] == '>') {
			end := bytes.IndexByte(b[j:], '>')
			if end < 0 {
				return -1
			}
			end += j
			if !bytes.Contains(b[i:end], tlsNS) {
				off = end
				continue
			}
			if b[end-1] == '/' {
				return end + 1
			}
			closeTag := []byte("</" + name + ">")
			k := bytes.Index(b[end:], closeTag)
			if k < 0 {
				return -1
			}
			return end + k + len(closeTag)
		}
		off = j
	}
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}

// Reject reports that no more bytes can make Detect match: a capture that
// starts mid-session, UDP, or a client stream that does not start with
// "<" (after white space) or whose start is no XML declaration or stream
// header.
func Reject(in *detect.Input) bool {
	if in.MidStream || in.Transport == 17 {
		return true
	}
	b := skipSpace(in.C2S)
	if len(b) == 0 {
		return len(in.C2S) > 64
	}
	for _, p := range []string{"<?xml", "<stream:stream", "<stream "} {
		n := min(len(b), len(p))
		if bytes.Equal(b[:n], []byte(p)[:n]) {
			return len(b) > maxOpen+256 && !streamHeader(in.C2S)
		}
	}
	return true
}
