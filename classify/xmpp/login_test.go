package xmpp

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// escaped is b as XML character data.
func escaped(b []byte) []byte {
	var s strings.Builder
	xml.EscapeText(&s, b)
	return []byte(s.String())
}

// login builds an XMPP login around a password on a stream that never
// upgrades: SASL PLAIN (RFC 6120 §6) with the message in <auth/> or in the
// <response/> after an empty one, or the legacy jabber:iq:auth (XEP-0078)
// with the password as XML text, to a server named by fuzzed bytes. SASL
// PLAIN must be reported with its user; jabber:iq:auth is not read (the
// oracle holds it to reading nothing of it).
func login(mode uint8, user, extra []byte) func(pw []byte) detecttest.Login {
	u := detecttest.Keep(user, 64, "bob", func(c byte) bool { return detecttest.Graphic(c) && c != '@' })
	host := detecttest.Keep(extra, 64, "example.com", func(c byte) bool { return detecttest.Graphic(c) && !strings.ContainsRune(`<>&'"`, rune(c)) })
	header := detecttest.Cat("<?xml version='1.0'?><stream:stream to='", host, "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")
	features := detecttest.Cat("<?xml version='1.0'?><stream:stream from='", host, "' id='x1' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
		"<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>")
	return func(pw []byte) detecttest.Login {
		l := detecttest.Login{In: detect.Input{ServerPort: 5222, Transport: 6}, Forms: [][]byte{pw, escaped(pw)}}
		switch mode % 3 {
		case 0:
			b := detecttest.B64(detecttest.Cat(byte(0), u, byte(0), pw))
			l.In.C2S = detecttest.Cat(header, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>", b, "</auth>")
			l.In.S2C = detecttest.Cat(features, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
			l.Forms = append(l.Forms, b)
			l.User, l.Kind = string(u), detect.KindCleartextPassword
		case 2:
			// An empty initial response; the message follows the
			// server's empty challenge.
			b := detecttest.B64(detecttest.Cat(byte(0), u, byte(0), pw))
			l.In.C2S = detecttest.Cat(header, "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">=</auth>",
				"<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>", b, "</response>")
			l.In.S2C = detecttest.Cat(features, "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
			l.Forms = append(l.Forms, b)
			l.User, l.Kind = string(u), detect.KindCleartextPassword
		case 1:
			l.In.C2S = detecttest.Cat(header, "<iq type='set' id='auth2'><query xmlns='jabber:iq:auth'><username>", u,
				"</username><password>", escaped(pw), "</password><resource>tap</resource></query></iq>")
			l.In.S2C = detecttest.Cat(features, "<iq type='result' id='auth2'/>")
		}
		return l
	}
}

// FuzzXMPPLogin is the secret oracle: around a fuzzed password, user and
// server name, no form of the password reaches the verdict (detecttest.CheckLogin).
func FuzzXMPPLogin(f *testing.F) {
	detecttest.FuzzLogin(f, Detect, login, 3, detecttest.AnyMode(detecttest.NotNUL), "ibmitst", "Fake-Pw-mail-5T<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", "example.com")
}
