package imap

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

type up = detecttest.Upgrade

// Flows of the captures recorded by testdata/record/mail/record.sh (testdata/README.md).
var recorded = []detecttest.Recorded{
	{Name: "imap-starttls", Want: up{Protocol: "imap", How: "STARTTLS", TLS: 0x0304}},
	{Name: "imap-starttls-refused", Want: up{Protocol: "imap", Kinds: detecttest.Refused}},
	{Name: "imap-capability", Want: up{Protocol: "imap"}},
	{Name: "imap-login-plain", Want: up{Protocol: "imap", User: "ibmitst", Kinds: detecttest.ClearPw}},
}

// transcripts are byte-literal sessions with what must come of them.
var transcripts = []detecttest.Transcript{
	{Name: "greeting only", C2S: "", S2C: "* OK [CAPABILITY IMAP4rev1] ready\r\n", OK: true, Want: up{Protocol: "imap"}},
	{Name: "repeated tag: the second answer counts", C2S: ". CAPABILITY\r\n. STARTTLS\r\n",
		S2C: "* OK ready\r\n* CAPABILITY IMAP4rev1\r\n. OK done\r\n. NO not now\r\n", OK: true, Want: up{Protocol: "imap", Kinds: detecttest.Refused}},
	{Name: "tagged OK then hello", C2S: "a1 STARTTLS\r\n\x16\x03\x01\x00\x01\x01", S2C: "* OK ready\r\na1 OK Begin TLS negotiation now.\r\n", OK: true,
		Want: up{Protocol: "imap", How: "STARTTLS"}},
	{Name: "quoted LOGIN refused", C2S: "a1 LOGIN \"bob smith\" \"x\"\r\n", S2C: "* OK ready\r\na1 NO [AUTHENTICATIONFAILED] failed\r\n", OK: true,
		Want: up{Protocol: "imap", User: "bob smith", Kinds: detecttest.ClearPw + "," + detecttest.AuthFailed}},
	{Name: "literal password reading like a command", C2S: "a1 LOGIN bob {17}\r\nt LOGIN topsecret\r\na2 SELECT INBOX\r\n",
		S2C: "* OK ready\r\n+ Ready for literal data\r\na1 OK\r\na2 OK\r\n", OK: true, Want: up{Protocol: "imap", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "non-synchronising literal password", C2S: "a1 LOGIN bob {17+}\r\nt LOGIN topsecret\r\na2 SELECT INBOX\r\n",
		S2C: "* OK ready\r\na1 OK\r\na2 OK\r\n", OK: true, Want: up{Protocol: "imap", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "user and password as literals", C2S: "a1 LOGIN {3}\r\nbob {17+}\r\nt LOGIN topsecret\r\na2 SELECT INBOX\r\n",
		S2C: "* OK ready\r\n+ Ready\r\na1 OK\r\na2 OK\r\n", OK: true, Want: up{Protocol: "imap", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "literal of another command", C2S: "a1 APPEND INBOX {33}\r\nb1 STARTTLS\r\nb2 LOGIN eve pw\r\n\r\na2 LOGOUT\r\n",
		S2C: "* OK ready\r\n+ go\r\na1 OK\r\n* BYE\r\na2 OK\r\n", OK: true, Want: up{Protocol: "imap"}},
	{Name: "literal cut by the head", C2S: "a1 LOGIN bob {40}\r\nt LOGIN topsecret\r\n", S2C: "* OK ready\r\n", OK: true,
		Want: up{Protocol: "imap", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "AUTHENTICATE PLAIN", C2S: "a1 AUTHENTICATE PLAIN\r\nAGJvYgB4\r\na2 SELECT INBOX\r\n", S2C: "* OK ready\r\n+ \r\na1 OK\r\na2 OK\r\n", OK: true,
		Want: up{Protocol: "imap", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "AUTHENTICATE PLAIN initial response refused", C2S: "a1 AUTHENTICATE PLAIN AGJvYgB4\r\n", S2C: "* OK ready\r\na1 NO [AUTHENTICATIONFAILED] no\r\n", OK: true,
		Want: up{Protocol: "imap", User: "bob", Kinds: detecttest.ClearPw + "," + detecttest.AuthFailed}},
	{Name: "AUTHENTICATE LOGIN", C2S: "a1 AUTHENTICATE LOGIN\r\nYm9i\r\neA==\r\n", S2C: "* OK ready\r\n+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\na1 OK\r\n", OK: true,
		Want: up{Protocol: "imap", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "AUTHENTICATE cancelled", C2S: "a1 AUTHENTICATE PLAIN\r\n*\r\n", S2C: "* OK ready\r\n+ \r\na1 BAD cancelled\r\n", OK: true, Want: up{Protocol: "imap"}},
	{Name: "AUTHENTICATE SCRAM", C2S: "a1 AUTHENTICATE SCRAM-SHA-256\r\nbiwsbj1ib2Iscj1hYmM=\r\n", S2C: "* OK ready\r\n+ \r\n", OK: true, Want: up{Protocol: "imap"}},
	{Name: "POP3 greeting", C2S: "CAPA\r\n", S2C: "+OK ready\r\n", OK: false, Want: up{}},
	{Name: "untagged client line", C2S: "* OK\r\n", S2C: "* OK ready\r\n", OK: false, Want: up{}},
}

// TestUpgrade runs the shared upgrade checks over the tables.
func TestUpgrade(t *testing.T) { suite.Run(t) }

// FuzzIMAPDetect fuzzes both heads (detecttest.Suite.Fuzz).
func FuzzIMAPDetect(f *testing.F) { suite.Fuzz(f) }

// suite runs the checks the upgrade detectors share over this package's tables.
var suite = detecttest.Suite{Detect: Detect, Protocol: "imap", Port: 143, MaxFindings: 8, Recorded: recorded, Transcripts: transcripts}
