package xmpp

import (
	"bytes"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/starttls"
)

// saslNS is the namespace of the SASL elements (RFC 6120 §6.4).
var saslNS = []byte("urn:ietf:params:xml:ns:xmpp-sasl")

// maxSASLText bounds the base64 text of a SASL element read for its user.
const maxSASLText = 1024

// plain reports a SASL PLAIN authentication (RFC 6120 §6.4.2, RFC 4616) on
// a stream that did not upgrade: the <auth/> element's text, or after an
// empty one the first <response/>, carries the password. The user it names
// is reported, the password never.
func plain(c []byte, v *detect.Verdict) {
	head, text, ok := saslElement(c, "auth")
	if !ok || !mechanism(head, "PLAIN") {
		return
	}
	if t := bytes.TrimSpace(text); len(t) == 0 || bytes.Equal(t, []byte("=")) {
		if _, text, ok = saslElement(c, "response"); !ok {
			return
		}
	}
	if len(bytes.TrimSpace(text)) == 0 {
		return
	}
	starttls.SASLPassword(v, "XMPP SASL PLAIN", "xmpp SASL", "PLAIN", starttls.PlainUser(text))
}

// mechanism reports whether the start tag head names mechanism as its
// mechanism attribute, in either quote.
func mechanism(head []byte, mech string) bool {
	return bytes.Contains(head, []byte("mechanism='"+mech+"'")) || bytes.Contains(head, []byte(`mechanism="`+mech+`"`))
}

// saslElement finds the first element named name in the SASL namespace in
// b and returns its start tag and its text (empty for an empty element).
// ok is false when there is none or its text is not complete.
func saslElement(b []byte, name string) (head, text []byte, ok bool) {
	open := []byte("<" + name)
	for {
		i := bytes.Index(b, open)
		if i < 0 {
			return nil, nil, false
		}
		b = b[i:]
		j := len(open)
		end := bytes.IndexByte(b, '>')
		if end < 0 {
			return nil, nil, false
		}
		if j >= len(b) || b[j] != ' ' && b[j] != '/' && b[j] != '>' || !bytes.Contains(b[:end], saslNS) {
			b = b[j:]
			continue
		}
		if b[end-1] == '/' {
			return b[:end], nil, true
		}
		k := bytes.IndexByte(b[end:], '<')
		if k < 0 || k > maxSASLText {
			return nil, nil, false
		}
		return b[:end], b[end+1 : end+k], true
	}
}
