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
	{Name: "mysql-nossl-login", Want: up{Protocol: "mysql", User: "ibmitst", Kinds: detecttest.Refused + "," + detecttest.HashExposed}},
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
	{Name: "native scramble beside the salt", C2S: "540000010fa20a0000000001ff0000000000000000000000000000000000000000000000626f620014111111111111111111111111111111111111111174657374006d7973716c5f6e61746976655f70617373776f726400",
		S2C: "4a0000000a382e302e33360007000000303132333435363700fff7ff02000f00150000000000000000000038396162636465666768696a006d7973716c5f6e61746976655f70617373776f7264000700000200000002000000", OK: true, Want: up{Protocol: "mysql", User: "bob", Kinds: detecttest.Refused + "," + detecttest.HashExposed}},
	{Name: "caching_sha2 scramble beside the salt", C2S: "600000010fa20a0000000001ff0000000000000000000000000000000000000000000000626f6200202222222222222222222222222222222222222222222222222222222222222222746573740063616368696e675f736861325f70617373776f726400",
		S2C: "4a0000000a382e302e33360007000000303132333435363700fff7ff02000f00150000000000000000000038396162636465666768696a0063616368696e675f736861325f70617373776f7264000200000201030700000200000002000000", OK: true, Want: up{Protocol: "mysql", User: "bob", Kinds: detecttest.Refused + "," + detecttest.HashExposed}},
	{Name: "mysql_clear_password in the response", C2S: "420000010fa20a0000000001ff0000000000000000000000000000000000000000000000626f62000370770074657374006d7973716c5f636c6561725f70617373776f726400",
		S2C: "4a0000000a382e302e33360007000000303132333435363700fff7ff02000f00150000000000000000000038396162636465666768696a006d7973716c5f6e61746976655f70617373776f7264000700000200000002000000", OK: true, Want: up{Protocol: "mysql", User: "bob", Kinds: detecttest.Refused + "," + detecttest.ClearPw}},
	{Name: "switch to mysql_clear_password", C2S: "540000010fa20a0000000001ff0000000000000000000000000000000000000000000000626f620014111111111111111111111111111111111111111174657374006d7973716c5f6e61746976655f70617373776f72640003000003707700",
		S2C: "4a0000000a382e302e33360007000000303132333435363700fff7ff02000f00150000000000000000000038396162636465666768696a006d7973716c5f6e61746976655f70617373776f72640016000002fe6d7973716c5f636c6561725f70617373776f7264000700000400000002000000", OK: true, Want: up{Protocol: "mysql", User: "bob", Kinds: detecttest.Refused + "," + detecttest.ClearPw}},
	{Name: "no password", C2S: "400000010fa20a0000000001ff0000000000000000000000000000000000000000000000626f62000074657374006d7973716c5f6e61746976655f70617373776f726400",
		S2C: "4a0000000a382e302e33360007000000303132333435363700fff7ff02000f00150000000000000000000038396162636465666768696a006d7973716c5f6e61746976655f70617373776f7264000700000200000002000000", OK: true, Want: up{Protocol: "mysql", User: "bob", Kinds: detecttest.Refused}},
	{Name: "scramble of the wrong length", C2S: "480000010fa20a0000000001ff0000000000000000000000000000000000000000000000626f620008111111111111111174657374006d7973716c5f6e61746976655f70617373776f726400",
		S2C: "4a0000000a382e302e33360007000000303132333435363700fff7ff02000f00150000000000000000000038396162636465666768696a006d7973716c5f6e61746976655f70617373776f7264000700000200000002000000", OK: true, Want: up{Protocol: "mysql", User: "bob", Kinds: detecttest.Refused}},
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
