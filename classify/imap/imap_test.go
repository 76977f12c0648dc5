package imap

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

// Flows of the captures recorded by testdata/record/mail/record.sh (testdata/README.md).
var recorded = []struct {
	name string
	want up
}{
	{"imap-starttls", up{Protocol: "imap", How: "STARTTLS", TLS: 0x0304}},
	{"imap-starttls-refused", up{Protocol: "imap", Kinds: refused}},
	{"imap-capability", up{Protocol: "imap"}},
	{"imap-login-plain", up{Protocol: "imap", User: "ibmitst", Kinds: clearPw}},
}

func TestRecorded(t *testing.T) {
	for _, tc := range recorded {
		t.Run(tc.name, func(t *testing.T) {
			c, s := detecttest.Flow(t, tc.name)
			in := detect.Input{C2S: c, S2C: s, ServerPort: 143, Transport: 6}
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
	{"greeting only", "", "* OK [CAPABILITY IMAP4rev1] ready\r\n", true, up{Protocol: "imap"}},
	{"repeated tag: the second answer counts", ". CAPABILITY\r\n. STARTTLS\r\n",
		"* OK ready\r\n* CAPABILITY IMAP4rev1\r\n. OK done\r\n. NO not now\r\n", true, up{Protocol: "imap", Kinds: refused}},
	{"tagged OK then hello", "a1 STARTTLS\r\n\x16\x03\x01\x00\x01\x01", "* OK ready\r\na1 OK Begin TLS negotiation now.\r\n", true,
		up{Protocol: "imap", How: "STARTTLS"}},
	{"quoted LOGIN refused", "a1 LOGIN \"bob smith\" \"x\"\r\n", "* OK ready\r\na1 NO [AUTHENTICATIONFAILED] failed\r\n", true,
		up{Protocol: "imap", User: "bob smith", Kinds: clearPw + "," + authF}},
	{"POP3 greeting", "CAPA\r\n", "+OK ready\r\n", false, up{}},
	{"untagged client line", "* OK\r\n", "* OK ready\r\n", false, up{}},
}

func TestTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.name, func(t *testing.T) {
			in := detect.Input{C2S: []byte(tc.c2s), S2C: []byte(tc.s2c), ServerPort: 143, Transport: 6}
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
		{C2S: c, S2C: s, ServerPort: 143, Transport: 6, MidStream: true},
		{C2S: c, S2C: s, ServerPort: 143, Transport: 17},
	} {
		var v detect.Verdict
		if Detect(&in, &v) {
			t.Errorf("recognised mid-stream %v transport %d", in.MidStream, in.Transport)
		}
	}
}

func FuzzIMAPDetect(f *testing.F) {
	for _, tc := range transcripts {
		f.Add([]byte(tc.c2s), []byte(tc.s2c))
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		in := detect.Input{C2S: c2s, S2C: s2c, ServerPort: 143, Transport: 6}
		var v detect.Verdict
		if !Detect(&in, &v) {
			if v.Protocol != "" || len(v.Findings) > 0 || v.Upgraded {
				t.Fatalf("not detected but filled: %+v", v)
			}
			return
		}
		if v.Protocol != "imap" || len(v.Findings) > 8 {
			t.Fatalf("verdict %+v", v)
		}
	})
}
