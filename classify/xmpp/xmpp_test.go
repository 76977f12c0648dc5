package xmpp

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

type up = detecttest.Upgrade

// Flows of the captures recorded by testdata/record/xmpp/record.sh (testdata/README.md).
var recorded = []detecttest.Recorded{
	{Name: "xmpp-starttls", Want: up{Protocol: "xmpp", How: "STARTTLS", TLS: 0x0304}},
	{Name: "xmpp-starttls-failure", Want: up{Protocol: "xmpp", Kinds: detecttest.Refused}},
	// Prosody agreed (<proceed/>), then failed the handshake: not encrypted.
	{Name: "xmpp-starttls-alert", Want: up{Protocol: "xmpp", Kinds: detecttest.Refused}},
}

// transcripts are byte-literal sessions with what must come of them.
var transcripts = []detecttest.Transcript{
	{Name: "header only", C2S: "<?xml version=\x271.0\x27?><stream:stream xmlns=\x27jabber:client\x27 to=\x27x\x27 version=\x271.0\x27>", S2C: "", OK: true, Want: up{Protocol: "xmpp"}},
	{Name: "proceed with end tag, hello after white space", C2S: "<stream:stream xmlns=\x27jabber:client\x27><starttls xmlns=\x27urn:ietf:params:xml:ns:xmpp-tls\x27></starttls>\n\x16\x03\x01\x00\x01\x01",
		S2C: "<stream:stream xmlns=\x27jabber:client\x27><proceed xmlns=\x27urn:ietf:params:xml:ns:xmpp-tls\x27/>", OK: true, Want: up{Protocol: "xmpp", How: "STARTTLS"}},
	{Name: "SASL failure is no TLS refusal", C2S: "<stream:stream xmlns=\x27jabber:client\x27><starttls xmlns=\x27urn:ietf:params:xml:ns:xmpp-tls\x27/>",
		S2C: "<stream:stream><failure xmlns=\x27urn:ietf:params:xml:ns:xmpp-sasl\x27/>", OK: true, Want: up{Protocol: "xmpp"}},
	{Name: "server-to-server", C2S: "<stream:stream xmlns=\x27jabber:server\x27 xmlns:stream=\x27http://etherx.jabber.org/streams\x27>", S2C: "", OK: true, Want: up{Protocol: "xmpp"}},
	{Name: "SASL PLAIN in clear", C2S: "<stream:stream xmlns=\x27jabber:client\x27><auth xmlns=\x27urn:ietf:params:xml:ns:xmpp-sasl\x27 mechanism=\x27PLAIN\x27>AGJvYgB4</auth>",
		S2C: "<stream:stream xmlns=\x27jabber:client\x27><success xmlns=\x27urn:ietf:params:xml:ns:xmpp-sasl\x27/>", OK: true, Want: up{Protocol: "xmpp", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "SASL SCRAM is none", C2S: "<stream:stream xmlns=\x27jabber:client\x27><auth xmlns=\x27urn:ietf:params:xml:ns:xmpp-sasl\x27 mechanism=\x27SCRAM-SHA-1\x27>biwsbj1ib2Iscj1hYmM=</auth>",
		S2C: "", OK: true, Want: up{Protocol: "xmpp"}},
	{Name: "auth of another namespace", C2S: "<stream:stream xmlns=\x27jabber:client\x27><auth mechanism=\x27PLAIN\x27>AGJvYgB4</auth>", S2C: "", OK: true, Want: up{Protocol: "xmpp"}},
	{Name: "other XML", C2S: "<?xml version=\x271.0\x27?><soap:Envelope>", S2C: "", OK: false, Want: up{}},
	{Name: "HTTP", C2S: "GET / HTTP/1.1\r\n", S2C: "", OK: false, Want: up{}},
}

// TestUpgrade runs the shared upgrade checks over the tables.
func TestUpgrade(t *testing.T) { suite.Run(t) }

// FuzzXMPPDetect fuzzes both heads (detecttest.Suite.Fuzz).
func FuzzXMPPDetect(f *testing.F) { suite.Fuzz(f) }

// suite runs the checks the upgrade detectors share over this package's tables.
var suite = detecttest.Suite{Detect: Detect, Protocol: "xmpp", Port: 5222, MaxFindings: 8, Recorded: recorded, Transcripts: transcripts}
