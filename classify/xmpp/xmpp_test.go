package xmpp

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

const (
	refused = "tls_upgrade_refused/medium"
	clearPw = "cleartext_password/critical"
	authF   = "authentication_failure/medium"
)

type up = detecttest.Upgrade

// Flows of the captures recorded by testdata/record/xmpp/record.sh (testdata/README.md).
var recorded = []struct {
	name string
	want up
}{
	{"xmpp-starttls", up{Protocol: "xmpp", How: "STARTTLS", TLS: 0x0304}},
	{"xmpp-starttls-failure", up{Protocol: "xmpp", Kinds: refused}},
	// Prosody agreed (<proceed/>), then failed the handshake: not encrypted.
	{"xmpp-starttls-alert", up{Protocol: "xmpp", Kinds: refused}},
}

func TestRecorded(t *testing.T) {
	for _, tc := range recorded {
		t.Run(tc.name, func(t *testing.T) {
			c, s := detecttest.Flow(t, tc.name)
			in := detect.Input{C2S: c, S2C: s, ServerPort: 5222, Transport: 6}
			var v detect.Verdict
			if !Detect(&in, &v) {
				t.Fatal("not recognised")
			}
			detecttest.CheckUpgrade(t, &v, tc.want)
		})
	}
}

// transcripts are byte-literal sessions with what must come of them.
var transcripts = []struct {
	name     string
	c2s, s2c string
	ok       bool
	want     up
}{
	{"header only", "<?xml version=\x271.0\x27?><stream:stream xmlns=\x27jabber:client\x27 to=\x27x\x27 version=\x271.0\x27>", "", true, up{Protocol: "xmpp"}},
	{"proceed with end tag, hello after white space", "<stream:stream xmlns=\x27jabber:client\x27><starttls xmlns=\x27urn:ietf:params:xml:ns:xmpp-tls\x27></starttls>\n\x16\x03\x01\x00\x01\x01",
		"<stream:stream xmlns=\x27jabber:client\x27><proceed xmlns=\x27urn:ietf:params:xml:ns:xmpp-tls\x27/>", true, up{Protocol: "xmpp", How: "STARTTLS"}},
	{"SASL failure is no TLS refusal", "<stream:stream xmlns=\x27jabber:client\x27><starttls xmlns=\x27urn:ietf:params:xml:ns:xmpp-tls\x27/>",
		"<stream:stream><failure xmlns=\x27urn:ietf:params:xml:ns:xmpp-sasl\x27/>", true, up{Protocol: "xmpp"}},
	{"server-to-server", "<stream:stream xmlns=\x27jabber:server\x27 xmlns:stream=\x27http://etherx.jabber.org/streams\x27>", "", true, up{Protocol: "xmpp"}},
	{"other XML", "<?xml version=\x271.0\x27?><soap:Envelope>", "", false, up{}},
	{"HTTP", "GET / HTTP/1.1\r\n", "", false, up{}},
}

func TestTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.name, func(t *testing.T) {
			in := detect.Input{C2S: []byte(tc.c2s), S2C: []byte(tc.s2c), ServerPort: 5222, Transport: 6}
			var v detect.Verdict
			if got := Detect(&in, &v); got != tc.ok {
				t.Fatalf("Detect = %v, want %v", got, tc.ok)
			}
			if tc.ok {
				detecttest.CheckUpgrade(t, &v, tc.want)
			}
		})
	}
}

func TestMidStreamAndUDPRefused(t *testing.T) {
	c, s := detecttest.Flow(t, recorded[0].name)
	for _, in := range []detect.Input{
		{C2S: c, S2C: s, ServerPort: 5222, Transport: 6, MidStream: true},
		{C2S: c, S2C: s, ServerPort: 5222, Transport: 17},
	} {
		var v detect.Verdict
		if Detect(&in, &v) {
			t.Errorf("recognised mid-stream %v transport %d", in.MidStream, in.Transport)
		}
	}
}

func FuzzXMPPDetect(f *testing.F) {
	for _, tc := range transcripts {
		f.Add([]byte(tc.c2s), []byte(tc.s2c))
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		in := detect.Input{C2S: c2s, S2C: s2c, ServerPort: 5222, Transport: 6}
		var v detect.Verdict
		if !Detect(&in, &v) {
			if v.Protocol != "" || len(v.Findings) > 0 || v.Upgraded {
				t.Fatalf("not detected but filled: %+v", v)
			}
			return
		}
		if v.Protocol != "xmpp" || len(v.Findings) > 8 {
			t.Fatalf("verdict %+v", v)
		}
	})
}
