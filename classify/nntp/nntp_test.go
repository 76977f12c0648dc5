package nntp

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

type up = detecttest.Upgrade

// Flows of the captures recorded by testdata/record/nntp/record.sh (testdata/README.md).
var recorded = []detecttest.Recorded{
	{Name: "nntp-starttls", Want: up{Protocol: "nntp", How: "STARTTLS", TLS: 0x0304}},
	{Name: "nntp-starttls-refused", Want: up{Protocol: "nntp", Kinds: detecttest.Refused}},
}

// transcripts are byte-literal sessions with what must come of them.
var transcripts = []detecttest.Transcript{
	{Name: "greeting only on 119", C2S: "", S2C: "200 news.example.com ready\r\n", OK: true, Want: up{Protocol: "nntp"}},
	{Name: "capability block then 382 and a hello", C2S: "CAPABILITIES\r\nSTARTTLS\r\n\x16\x03\x01\x00\x01\x01",
		S2C: "200 ready\r\n101 Capability list:\r\nVERSION 2\r\nSTARTTLS\r\n.\r\n382 Continue with TLS negotiation\r\n", OK: true,
		Want: up{Protocol: "nntp", How: "STARTTLS"}},
	{Name: "502", C2S: "STARTTLS\r\n", S2C: "201 ready, no posting\r\n502 Command unavailable\r\n", OK: true, Want: up{Protocol: "nntp", Kinds: detecttest.Refused}},
	{Name: "AUTHINFO in clear", C2S: "AUTHINFO USER bob\r\nAUTHINFO PASS x\r\n", S2C: "200 ready\r\n381 more\r\n281 ok\r\n", OK: true,
		Want: up{Protocol: "nntp", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "SASL PLAIN after 383", C2S: "AUTHINFO SASL PLAIN\r\nAGJvYgB4\r\nGROUP misc\r\n", S2C: "200 ready\r\n383 \r\n281 ok\r\n211 0 0 0 misc\r\n", OK: true,
		Want: up{Protocol: "nntp", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "SASL LOGIN password spelling STARTTLS", C2S: "AUTHINFO SASL LOGIN Ym9i\r\nSTARTTLS\r\nGROUP misc\r\n", S2C: "200 ready\r\n383 UGFzc3dvcmQ6\r\n281 ok\r\n211 0 0 0 misc\r\n", OK: true,
		Want: up{Protocol: "nntp", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "SASL LOGIN, no server replies", C2S: "AUTHINFO SASL LOGIN\r\nYm9i\r\nSTARTTLS\r\n", S2C: "200 ready\r\n", OK: true,
		Want: up{Protocol: "nntp", User: "bob", Kinds: detecttest.ClearPw}},
	{Name: "SASL CRAM-MD5 response is no command", C2S: "AUTHINFO SASL CRAM-MD5\r\nSTARTTLS\r\n", S2C: "200 ready\r\n383 PDE+\r\n281 ok\r\n", OK: true,
		Want: up{Protocol: "nntp"}},
	{Name: "SASL cancelled", C2S: "AUTHINFO SASL PLAIN\r\n*\r\nSTARTTLS\r\n", S2C: "200 ready\r\n383 \r\n481 cancelled\r\n580 no\r\n", OK: true,
		Want: up{Protocol: "nntp", Kinds: detecttest.Refused}},
	{Name: "SMTP", C2S: "EHLO x\r\n", S2C: "220 m ESMTP\r\n", OK: false, Want: up{}},
	{Name: "FTP 200", C2S: "USER x\r\n", S2C: "200 ok\r\n", OK: false, Want: up{}},
}

// TestUpgrade runs the shared upgrade checks over the tables.
func TestUpgrade(t *testing.T) { suite.Run(t) }

// FuzzNNTPDetect fuzzes both heads (detecttest.Suite.Fuzz).
func FuzzNNTPDetect(f *testing.F) { suite.Fuzz(f) }

// suite runs the checks the upgrade detectors share over this package's tables.
var suite = detecttest.Suite{Detect: Detect, Protocol: "nntp", Port: 119, MaxFindings: 8, Recorded: recorded, Transcripts: transcripts}
