package smtp

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

const (
	refused = "tls_upgrade_refused/medium"
	clearPw = "cleartext_password/critical"
)

// Flows of the captures recorded by testdata/record/smtp/record.sh (Exim
// 4.96 with swaks and openssl s_client).
var recorded = []struct {
	name string
	port uint16
	want detecttest.Upgrade
}{
	{"smtp-starttls-25", 25, detecttest.Upgrade{Protocol: "smtp", How: "STARTTLS", TLS: 0x0304}},
	{"smtp-starttls-587", 587, detecttest.Upgrade{Protocol: "smtp", How: "STARTTLS", TLS: 0x0304}},
	// 454 TLS currently unavailable; s_client sends its ClientHello anyway.
	{"smtp-starttls-454", 25, detecttest.Upgrade{Protocol: "smtp", Kinds: refused}},
	// 503 STARTTLS command used when not advertised.
	{"smtp-starttls-refused", 25, detecttest.Upgrade{Protocol: "smtp", Kinds: refused}},
	{"smtp-auth-plain-587", 587, detecttest.Upgrade{Protocol: "smtp", User: "ibmitst", Kinds: clearPw}},
}

func TestRecorded(t *testing.T) {
	for _, tc := range recorded {
		t.Run(tc.name, func(t *testing.T) {
			c, s := detecttest.Flow(t, tc.name)
			in := detect.Input{C2S: c, S2C: s, ServerPort: tc.port, Transport: 6}
			var v detect.Verdict
			if !Detect(&in, &v) {
				t.Fatal("not recognised")
			}
			detecttest.CheckUpgrade(t, &v, tc.want)
		})
	}
}

// transcripts are byte-literal sessions (RFC 5321, RFC 3207 examples and
// what real servers send) with what must come of them.
var transcripts = []struct {
	name     string
	c2s, s2c string
	port     uint16
	ok       bool
	want     detecttest.Upgrade
}{
	{"greeting only, names ESMTP", "", "220 mail.example.com ESMTP Postfix\r\n", 25, true,
		detecttest.Upgrade{Protocol: "smtp"}},
	{"multi-line EHLO reply, 220 to STARTTLS, hello",
		"EHLO c.example\r\nSTARTTLS\r\n\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00",
		"220-mail.example.com ESMTP\r\n220 ready\r\n250-mail.example.com\r\n250-PIPELINING\r\n250 STARTTLS\r\n220 2.0.0 Ready to start TLS\r\n",
		25, true, detecttest.Upgrade{Protocol: "smtp", How: "STARTTLS"}},
	{"STARTTLS answered 502", "EHLO c\r\nSTARTTLS\r\n", "220 m ESMTP\r\n250 m\r\n502 5.5.1 not implemented\r\n", 25, true,
		detecttest.Upgrade{Protocol: "smtp", Kinds: refused}},
	{"reply not captured, ClientHello follows", "EHLO c\r\nSTARTTLS\r\n\x16\x03\x01\x00\x01\x01", "220 m ESMTP\r\n", 25, true,
		detecttest.Upgrade{Protocol: "smtp", How: "STARTTLS"}},
	{"DATA body skipped", "HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSTARTTLS\r\n.\r\nQUIT\r\n",
		"220 m SMTP\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n", 25, true,
		detecttest.Upgrade{Protocol: "smtp"}},
	{"AUTH LOGIN in clear", "EHLO c\r\nAUTH LOGIN\r\naWJtaXRzdA==\r\nc2VjcmV0\r\n",
		"220 m ESMTP\r\n250 m\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n", 587, true,
		detecttest.Upgrade{Protocol: "smtp", User: "ibmitst", Kinds: clearPw}},
	{"AUTH CRAM-MD5 sends no password", "EHLO c\r\nAUTH CRAM-MD5\r\nZm9v\r\n", "220 m ESMTP\r\n250 m\r\n334 PDEyMz4=\r\n235 ok\r\n", 587, true,
		detecttest.Upgrade{Protocol: "smtp"}},
	{"FTP greeting and USER", "USER anonymous\r\n", "220 (vsFTPd 3.0.3)\r\n", 21, false, detecttest.Upgrade{}},
	{"FTP greeting alone", "", "220 ftp.example.com FTP server ready\r\n", 21, false, detecttest.Upgrade{}},
	{"POP3", "CAPA\r\n", "+OK ready\r\n", 110, false, detecttest.Upgrade{}},
	{"binary", "\x00\x00\x00\x08\x04\xd2\x16\x2f", "S", 25, false, detecttest.Upgrade{}},
}

func TestTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.name, func(t *testing.T) {
			in := detect.Input{C2S: []byte(tc.c2s), S2C: []byte(tc.s2c), ServerPort: tc.port, Transport: 6}
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
	c, s := detecttest.Flow(t, "smtp-starttls-25")
	for _, in := range []detect.Input{
		{C2S: c, S2C: s, ServerPort: 25, Transport: 6, MidStream: true},
		{C2S: c, S2C: s, ServerPort: 25, Transport: 17},
	} {
		var v detect.Verdict
		if Detect(&in, &v) {
			t.Errorf("recognised %+v", in)
		}
	}
}

func FuzzSMTPDetect(f *testing.F) {
	for _, tc := range transcripts {
		f.Add([]byte(tc.c2s), []byte(tc.s2c))
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		in := detect.Input{C2S: c2s, S2C: s2c, ServerPort: 25, Transport: 6}
		var v detect.Verdict
		if !Detect(&in, &v) {
			if v.Protocol != "" || len(v.Findings) > 0 || v.Upgraded {
				t.Fatalf("not detected but filled: %+v", v)
			}
			return
		}
		if v.Protocol != "smtp" || len(v.Findings) > 2*maxCommands {
			t.Fatalf("verdict %+v", v)
		}
	})
}
