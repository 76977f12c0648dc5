package mysql

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

const (
	refused = "tls_upgrade_refused/medium"
	clearPw = "cleartext_password/critical"
)

type up = detecttest.Upgrade

// Flows of the captures made by testdata/record/mysql/record.sh (testdata/README.md).
var recorded = []struct {
	name string
	want up
}{
	{"mysql-ssl", up{Protocol: "mysql", How: "MySQL SSL request", TLS: 0x0304}},
	// The server (--skip-ssl) lacks CLIENT_SSL; the client that requires
	// SSL gives up after the greeting.
	{"mysql-ssl-refused", up{Protocol: "mysql", Kinds: refused}},
	{"mysql-nossl-login", up{Protocol: "mysql", User: "ibmitst", Kinds: refused}},
}

func TestRecorded(t *testing.T) {
	for _, tc := range recorded {
		t.Run(tc.name, func(t *testing.T) {
			c, s := detecttest.Flow(t, tc.name)
			in := detect.Input{C2S: c, S2C: s, ServerPort: 3306, Transport: 6}
			var v detect.Verdict
			if !Detect(&in, &v) {
				t.Fatal("not recognised")
			}
			detecttest.CheckUpgrade(t, &v, tc.want)
		})
	}
}

// transcripts are byte-literal exchanges (hex) with what must come of them.
var transcripts = []struct {
	name     string
	c2s, s2c string
	ok       bool
	want     up
}{
	// Initial handshake (protocol 10, "5.7", CLIENT_SSL|PROTOCOL_41 among
	// the capabilities), then the 32-byte SSL request and a ClientHello.
	{"SSL request", "20000001 000a0000 00000001 21 0000000000000000000000000000000000000000000000 1603010001 01",
		"19000000 0a 352e3700 01000000 4141414141414141 00 ffff 08 0200 0000", true, up{Protocol: "mysql", How: "MySQL SSL request"}},
	{"login in clear, SSL offered", "24000001 00020000 00000001 21 0000000000000000000000000000000000000000000000 626f6200",
		"19000000 0a 352e3700 01000000 4141414141414141 00 ffff 08 0200 0000", true, up{Protocol: "mysql", User: "bob"}},
	{"login in clear, SSL not offered", "24000001 00020000 00000001 21 0000000000000000000000000000000000000000000000 626f6200",
		"19000000 0a 352e3700 01000000 4141414141414141 00 fff7 08 0200 0000", true, up{Protocol: "mysql", User: "bob", Kinds: refused}},
	{"greeting only, SSL offered", "", "19000000 0a 352e3700 01000000 4141414141414141 00 ffff 08 0200 0000", true, up{Protocol: "mysql"}},
	{"protocol 9", "", "19000000 09 352e3700 01000000 4141414141414141 00 ffff 08 0200 0000", false, up{}},
	{"sequence 1 first", "", "19000001 0a 352e3700 01000000 4141414141414141 00 ffff 08 0200 0000", false, up{}},
	{"pre-4.1 server", "", "19000000 0a 352e3700 01000000 4141414141414141 00 ff08 08 0200 0000", false, up{}},
}

func TestTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.name, func(t *testing.T) {
			in := detect.Input{C2S: detecttest.Unhex(t, tc.c2s), S2C: detecttest.Unhex(t, tc.s2c), ServerPort: 3306, Transport: 6}
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
		{C2S: c, S2C: s, ServerPort: 3306, Transport: 6, MidStream: true},
		{C2S: c, S2C: s, ServerPort: 3306, Transport: 17},
	} {
		var v detect.Verdict
		if Detect(&in, &v) {
			t.Errorf("recognised mid-stream %v transport %d", in.MidStream, in.Transport)
		}
	}
}

func FuzzMySQLDetect(f *testing.F) {
	for _, tc := range transcripts {
		f.Add(detecttest.MustHex(tc.c2s), detecttest.MustHex(tc.s2c))
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		in := detect.Input{C2S: c2s, S2C: s2c, ServerPort: 3306, Transport: 6}
		var v detect.Verdict
		if !Detect(&in, &v) {
			if v.Protocol != "" || len(v.Findings) > 0 || v.Upgraded {
				t.Fatalf("not detected but filled: %+v", v)
			}
			return
		}
		if v.Protocol != "mysql" || len(v.Findings) > 3 {
			t.Fatalf("verdict %+v", v)
		}
	})
}
