package smtp

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// Flows of the captures recorded by testdata/record/smtp/record.sh (Exim
// 4.96 with swaks and openssl s_client).
var recorded = []detecttest.Recorded{
	{Name: "smtp-starttls-25", Port: 25, Want: detecttest.Upgrade{Protocol: "smtp", How: "STARTTLS", TLS: 0x0304}},
	{Name: "smtp-starttls-587", Port: 587, Want: detecttest.Upgrade{Protocol: "smtp", How: "STARTTLS", TLS: 0x0304}},
	// 454 TLS currently unavailable; s_client sends its ClientHello anyway.
	{Name: "smtp-starttls-454", Port: 25, Want: detecttest.Upgrade{Protocol: "smtp", Kinds: detecttest.Refused}},
	// 503 STARTTLS command used when not advertised.
	{Name: "smtp-starttls-refused", Port: 25, Want: detecttest.Upgrade{Protocol: "smtp", Kinds: detecttest.Refused}},
	{Name: "smtp-auth-plain-587", Port: 587, Want: detecttest.Upgrade{Protocol: "smtp", User: "ibmitst", Kinds: detecttest.ClearPw}},
}

// transcripts are byte-literal sessions (RFC 5321, RFC 3207 examples and
// what real servers send) with what must come of them.
var transcripts = []detecttest.Transcript{
	{Name: "greeting only, names ESMTP", C2S: "", S2C: "220 mail.example.com ESMTP Postfix\r\n", Port: 25, OK: true,
		Want: detecttest.Upgrade{Protocol: "smtp"}},
	{Name: "multi-line EHLO reply, 220 to STARTTLS, hello",
		C2S:  "EHLO c.example\r\nSTARTTLS\r\n\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00",
		S2C:  "220-mail.example.com ESMTP\r\n220 ready\r\n250-mail.example.com\r\n250-PIPELINING\r\n250 STARTTLS\r\n220 2.0.0 Ready to start TLS\r\n",
		Port: 25, OK: true, Want: detecttest.Upgrade{Protocol: "smtp", How: "STARTTLS"}},
	{Name: "STARTTLS answered 502", C2S: "EHLO c\r\nSTARTTLS\r\n", S2C: "220 m ESMTP\r\n250 m\r\n502 5.5.1 not implemented\r\n", Port: 25, OK: true,
		Want: detecttest.Upgrade{Protocol: "smtp", Kinds: detecttest.Refused}},
	{Name: "reply not captured, ClientHello follows", C2S: "EHLO c\r\nSTARTTLS\r\n\x16\x03\x01\x00\x01\x01", S2C: "220 m ESMTP\r\n", Port: 25, OK: true,
		Want: detecttest.Upgrade{Protocol: "smtp", How: "STARTTLS"}},
	{Name: "DATA body skipped", C2S: "HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSTARTTLS\r\n.\r\nQUIT\r\n",
		S2C: "220 m SMTP\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n", Port: 25, OK: true,
		Want: detecttest.Upgrade{Protocol: "smtp"}},
	{Name: "AUTH LOGIN in clear", C2S: "EHLO c\r\nAUTH LOGIN\r\naWJtaXRzdA==\r\nc2VjcmV0\r\n",
		S2C: "220 m ESMTP\r\n250 m\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n", Port: 587, OK: true,
		Want: detecttest.Upgrade{Protocol: "smtp", User: "ibmitst", Kinds: detecttest.ClearPw}},
	{Name: "AUTH CRAM-MD5 sends no password", C2S: "EHLO c\r\nAUTH CRAM-MD5\r\nZm9v\r\n", S2C: "220 m ESMTP\r\n250 m\r\n334 PDEyMz4=\r\n235 ok\r\n", Port: 587, OK: true,
		Want: detecttest.Upgrade{Protocol: "smtp"}},
	{Name: "FTP greeting and USER", C2S: "USER anonymous\r\n", S2C: "220 (vsFTPd 3.0.3)\r\n", Port: 21, OK: false, Want: detecttest.Upgrade{}},
	{Name: "FTP greeting alone", C2S: "", S2C: "220 ftp.example.com FTP server ready\r\n", Port: 21, OK: false, Want: detecttest.Upgrade{}},
	{Name: "POP3", C2S: "CAPA\r\n", S2C: "+OK ready\r\n", Port: 110, OK: false, Want: detecttest.Upgrade{}},
	{Name: "binary", C2S: "\x00\x00\x00\x08\x04\xd2\x16\x2f", S2C: "S", Port: 25, OK: false, Want: detecttest.Upgrade{}},
}

// TestUpgrade runs the shared upgrade checks over the tables.
func TestUpgrade(t *testing.T) { suite.Run(t) }

// FuzzSMTPDetect fuzzes both heads (detecttest.Suite.Fuzz).
func FuzzSMTPDetect(f *testing.F) { suite.Fuzz(f) }

// suite runs the checks the upgrade detectors share over this package's tables.
var suite = detecttest.Suite{Detect: Detect, Protocol: "smtp", Port: 25, MaxFindings: 2 * maxCommands, Recorded: recorded, Transcripts: transcripts}
