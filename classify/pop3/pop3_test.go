package pop3

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
	{"pop3-stls", up{Protocol: "pop3", How: "STLS", TLS: 0x0304}},
	{"pop3-stls-refused", up{Protocol: "pop3", Kinds: refused}},
	{"pop3-user-pass", up{Protocol: "pop3", User: "ibmitst", Kinds: clearPw}},
}

func TestRecorded(t *testing.T) {
	for _, tc := range recorded {
		t.Run(tc.name, func(t *testing.T) {
			c, s := detecttest.Flow(t, tc.name)
			in := detect.Input{C2S: c, S2C: s, ServerPort: 110, Transport: 6}
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
	{"greeting only on 110", "", "+OK Dovecot ready.\r\n", true, up{Protocol: "pop3"}},
	{"CAPA block then STLS +OK and a hello", "CAPA\r\nSTLS\r\n\x16\x03\x01\x00\x01\x01",
		"+OK ready\r\n+OK\r\nCAPA\r\nSTLS\r\n.\r\n+OK Begin TLS negotiation now.\r\n", true, up{Protocol: "pop3", How: "STLS"}},
	{"-ERR inside a CAPA block is no answer", "CAPA\r\nSTLS\r\n", "+OK ready\r\n+OK\r\n-ERR x\r\n.\r\n-ERR TLS support not enabled\r\n", true,
		up{Protocol: "pop3", Kinds: refused}},
	{"failed login", "USER bob\r\nPASS x\r\n", "+OK ready\r\n+OK\r\n-ERR [AUTH] Authentication failed.\r\n", true,
		up{Protocol: "pop3", User: "bob", Kinds: clearPw + "," + authF}},
	{"AUTH PLAIN continuation", "AUTH PLAIN\r\nAGJvYgB4\r\n", "+OK ready\r\n+ \r\n+OK Logged in.\r\n", true,
		up{Protocol: "pop3", Kinds: clearPw}},
	{"FTP-style greeting", "USER x\r\n", "220 ready\r\n", false, up{}},
	{"IMAP greeting", "a1 CAPABILITY\r\n", "* OK IMAP ready\r\n", false, up{}},
	{"unknown command", "HELLO\r\n", "+OK ready\r\n", false, up{}},
}

func TestTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.name, func(t *testing.T) {
			in := detect.Input{C2S: []byte(tc.c2s), S2C: []byte(tc.s2c), ServerPort: 110, Transport: 6}
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
		{C2S: c, S2C: s, ServerPort: 110, Transport: 6, MidStream: true},
		{C2S: c, S2C: s, ServerPort: 110, Transport: 17},
	} {
		var v detect.Verdict
		if Detect(&in, &v) {
			t.Errorf("recognised mid-stream %v transport %d", in.MidStream, in.Transport)
		}
	}
}

func FuzzPOP3Detect(f *testing.F) {
	for _, tc := range transcripts {
		f.Add([]byte(tc.c2s), []byte(tc.s2c))
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		in := detect.Input{C2S: c2s, S2C: s2c, ServerPort: 110, Transport: 6}
		var v detect.Verdict
		if !Detect(&in, &v) {
			if v.Protocol != "" || len(v.Findings) > 0 || v.Upgraded {
				t.Fatalf("not detected but filled: %+v", v)
			}
			return
		}
		if v.Protocol != "pop3" || len(v.Findings) > 8 {
			t.Fatalf("verdict %+v", v)
		}
	})
}
