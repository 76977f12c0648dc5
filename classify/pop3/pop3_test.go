package pop3

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

type up = detecttest.Upgrade

// Flows of the captures recorded by testdata/record/mail/record.sh (testdata/README.md).
var recorded = []detecttest.Recorded{
	{Name: "pop3-stls", Want: up{Protocol: "pop3", How: "STLS", TLS: 0x0304}},
	{Name: "pop3-stls-refused", Want: up{Protocol: "pop3", Kinds: detecttest.Refused}},
	{Name: "pop3-user-pass", Want: up{Protocol: "pop3", User: "ibmitst", Kinds: detecttest.ClearPw}},
}

// transcripts are byte-literal sessions with what must come of them.
var transcripts = []detecttest.Transcript{
	{Name: "greeting only on 110", C2S: "", S2C: "+OK Dovecot ready.\r\n", OK: true, Want: up{Protocol: "pop3"}},
	{Name: "CAPA block then STLS +OK and a hello", C2S: "CAPA\r\nSTLS\r\n\x16\x03\x01\x00\x01\x01",
		S2C: "+OK ready\r\n+OK\r\nCAPA\r\nSTLS\r\n.\r\n+OK Begin TLS negotiation now.\r\n", OK: true, Want: up{Protocol: "pop3", How: "STLS"}},
	{Name: "-ERR inside a CAPA block is no answer", C2S: "CAPA\r\nSTLS\r\n", S2C: "+OK ready\r\n+OK\r\n-ERR x\r\n.\r\n-ERR TLS support not enabled\r\n", OK: true,
		Want: up{Protocol: "pop3", Kinds: detecttest.Refused}},
	{Name: "failed login", C2S: "USER bob\r\nPASS x\r\n", S2C: "+OK ready\r\n+OK\r\n-ERR [AUTH] Authentication failed.\r\n", OK: true,
		Want: up{Protocol: "pop3", User: "bob", Kinds: detecttest.ClearPw + "," + detecttest.AuthFailed}},
	{Name: "AUTH PLAIN continuation", C2S: "AUTH PLAIN\r\nAGJvYgB4\r\n", S2C: "+OK ready\r\n+ \r\n+OK Logged in.\r\n", OK: true,
		Want: up{Protocol: "pop3", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "AUTH LOGIN password spelling STLS", C2S: "AUTH LOGIN\r\nYm9i\r\nSTLS\r\nSTAT\r\n",
		S2C: "+OK ready\r\n+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+OK Logged in.\r\n+OK 0 0\r\n", OK: true, Want: up{Protocol: "pop3", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "AUTH LOGIN password spelling STLS, no server answers", C2S: "AUTH LOGIN\r\nYm9i\r\nSTLS\r\nSTAT\r\n",
		S2C: "+OK ready\r\n", OK: true, Want: up{Protocol: "pop3", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "AUTH LOGIN password spelling USER", C2S: "AUTH LOGIN Ym9i\r\nUSER\r\nSTAT\r\n",
		S2C: "+OK ready\r\n+ UGFzc3dvcmQ6\r\n+OK Logged in.\r\n+OK 0 0\r\n", OK: true, Want: up{Protocol: "pop3", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "AUTH PLAIN initial response", C2S: "AUTH PLAIN AGJvYgB4\r\nSTLS\r\n", S2C: "+OK ready\r\n+OK Logged in.\r\n-ERR no\r\n", OK: true,
		Want: up{Protocol: "pop3", User: "bob", Kinds: detecttest.ClearPw + "," + detecttest.Refused}},
	{Name: "AUTH CRAM-MD5 response is no command", C2S: "AUTH CRAM-MD5\r\nSTLS\r\nSTAT\r\n", S2C: "+OK ready\r\n+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+\r\n+OK\r\n+OK 0 0\r\n", OK: true,
		Want: up{Protocol: "pop3"}},
	{Name: "AUTH cancelled", C2S: "AUTH LOGIN\r\n*\r\nSTLS\r\n", S2C: "+OK ready\r\n+ VXNlcm5hbWU6\r\n-ERR cancelled\r\n-ERR no TLS\r\n", OK: true,
		Want: up{Protocol: "pop3", Kinds: detecttest.Refused}},
	{Name: "APOP beside the timestamp", C2S: "APOP bob c4c9334bac560ecc979e58001b3e22fb\r\nSTAT\r\n",
		S2C: "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n+OK maildrop has 1 message\r\n+OK 1 369\r\n", OK: true,
		Want: up{Protocol: "pop3", User: "bob", Kinds: detecttest.HashExposed}},
	{Name: "APOP without a timestamp", C2S: "APOP bob c4c9334bac560ecc979e58001b3e22fb\r\n", S2C: "+OK POP3 server ready\r\n-ERR no\r\n", OK: true,
		Want: up{Protocol: "pop3"}},
	{Name: "APOP with no digest", C2S: "APOP bob secret\r\n", S2C: "+OK ready <1.2@x>\r\n-ERR no\r\n", OK: true, Want: up{Protocol: "pop3"}},
	{Name: "FTP-style greeting", C2S: "USER x\r\n", S2C: "220 ready\r\n", OK: false, Want: up{}},
	{Name: "IMAP greeting", C2S: "a1 CAPABILITY\r\n", S2C: "* OK IMAP ready\r\n", OK: false, Want: up{}},
	{Name: "unknown command", C2S: "HELLO\r\n", S2C: "+OK ready\r\n", OK: false, Want: up{}},
}

// TestUpgrade runs the shared upgrade checks over the tables.
func TestUpgrade(t *testing.T) { suite.Run(t) }

// FuzzPOP3Detect fuzzes both heads (detecttest.Suite.Fuzz).
func FuzzPOP3Detect(f *testing.F) { suite.Fuzz(f) }

// suite runs the checks the upgrade detectors share over this package's tables.
var suite = detecttest.Suite{Detect: Detect, Protocol: "pop3", Port: 110, MaxFindings: 8, Recorded: recorded, Transcripts: transcripts}
