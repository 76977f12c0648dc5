package mysql

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

type up = detecttest.Upgrade

// Flows of the captures made by testdata/record/mysql/record.sh (testdata/README.md).
var recorded = []detecttest.Recorded{
	{Name: "mysql-ssl", Want: up{Protocol: "mysql", How: "MySQL SSL request", TLS: 0x0304}},
	// The server (--skip-ssl) lacks CLIENT_SSL; the client that requires
	// SSL gives up after the greeting.
	{Name: "mysql-ssl-refused", Want: up{Protocol: "mysql", Kinds: detecttest.Refused}},
	{Name: "mysql-nossl-login", Want: up{Protocol: "mysql", User: "ibmitst", Kinds: detecttest.Refused}},
}

// transcripts are byte-literal exchanges (hex) with what must come of them.
var transcripts = []detecttest.Transcript{
	// Initial handshake (protocol 10, "5.7", CLIENT_SSL|PROTOCOL_41 among
	// the capabilities), then the 32-byte SSL request and a ClientHello.
	{Name: "SSL request", C2S: "20000001 000a0000 00000001 21 0000000000000000000000000000000000000000000000 1603010001 01",
		S2C: "19000000 0a 352e3700 01000000 4141414141414141 00 ffff 08 0200 0000", OK: true, Want: up{Protocol: "mysql", How: "MySQL SSL request"}},
	{Name: "login in clear, SSL offered", C2S: "24000001 00020000 00000001 21 0000000000000000000000000000000000000000000000 626f6200",
		S2C: "19000000 0a 352e3700 01000000 4141414141414141 00 ffff 08 0200 0000", OK: true, Want: up{Protocol: "mysql", User: "bob"}},
	{Name: "login in clear, SSL not offered", C2S: "24000001 00020000 00000001 21 0000000000000000000000000000000000000000000000 626f6200",
		S2C: "19000000 0a 352e3700 01000000 4141414141414141 00 fff7 08 0200 0000", OK: true, Want: up{Protocol: "mysql", User: "bob", Kinds: detecttest.Refused}},
	{Name: "greeting only, SSL offered", C2S: "", S2C: "19000000 0a 352e3700 01000000 4141414141414141 00 ffff 08 0200 0000", OK: true, Want: up{Protocol: "mysql"}},
	{Name: "protocol 9", C2S: "", S2C: "19000000 09 352e3700 01000000 4141414141414141 00 ffff 08 0200 0000", OK: false, Want: up{}},
	{Name: "sequence 1 first", C2S: "", S2C: "19000001 0a 352e3700 01000000 4141414141414141 00 ffff 08 0200 0000", OK: false, Want: up{}},
	{Name: "pre-4.1 server", C2S: "", S2C: "19000000 0a 352e3700 01000000 4141414141414141 00 ff08 08 0200 0000", OK: false, Want: up{}},
}

// TestUpgrade runs the shared upgrade checks over the tables.
func TestUpgrade(t *testing.T) { suite.Run(t) }

// FuzzMySQLDetect fuzzes both heads (detecttest.Suite.Fuzz).
func FuzzMySQLDetect(f *testing.F) { suite.Fuzz(f) }

// suite runs the checks the upgrade detectors share over this package's tables.
var suite = detecttest.Suite{Detect: Detect, Protocol: "mysql", Port: 3306, Hex: true, MaxFindings: 3, Recorded: recorded, Transcripts: transcripts}
