package tds

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

// Flows of the captures made by testdata/record/tds/gen_tds.py (generated from MS-TDS, no real server) (testdata/README.md).
var recorded = []struct {
	name string
	want up
}{
	{"tds-prelogin-encrypt", up{Protocol: "tds", How: "TDS PRELOGIN encryption", TLS: 0x0304}},
	// ENCRYPT_OFF both ways: TLS protects only the LOGIN7 packet.
	{"tds-prelogin-off", up{Protocol: "tds", TLS: 0x0304, Kinds: refused}},
	{"tds-prelogin-notsup", up{Protocol: "tds", User: "ibmitst", Kinds: refused + "," + clearPw}},
}

func TestRecorded(t *testing.T) {
	for _, tc := range recorded {
		t.Run(tc.name, func(t *testing.T) {
			c, s := detecttest.Flow(t, tc.name)
			in := detect.Input{C2S: c, S2C: s, ServerPort: 1433, Transport: 6}
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
	// PRELOGIN (MS-TDS 2.2.6.5: VERSION, ENCRYPTION, INSTOPT, THREADID,
	// MARS) and the server's answer; the TLS handshake travels in PRELOGIN
	// packets.
	{"ON / ON", "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 01 00 00000000 00 1201000e00000000 1603010001 01", "0401002600000100 0000150006 01001b0001 02001c0001 04001d0001 ff 100000100000 01 00 00", true, up{Protocol: "tds", How: "TDS PRELOGIN encryption"}},
	{"OFF / REQ", "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 00 00 00000000 00 1201000e00000000 1603010001 01", "0401002600000100 0000150006 01001b0001 02001c0001 04001d0001 ff 100000100000 03 00 00", true, up{Protocol: "tds", How: "TDS PRELOGIN encryption"}},
	{"ON / OFF: login only", "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 01 00 00000000 00", "0401002600000100 0000150006 01001b0001 02001c0001 04001d0001 ff 100000100000 00 00 00", true, up{Protocol: "tds", Kinds: refused}},
	{"NOT_SUP / ON: client cannot", "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 02 00 00000000 00 1001003800000100 00000000000000000000000000000000000000000000000000000000000000000000000000000000 2c00 0100 6200 0000", "0401002600000100 0000150006 01001b0001 02001c0001 04001d0001 ff 100000100000 01 00 00", true, up{Protocol: "tds", User: "b", Kinds: refused + "," + clearPw}},
	{"OFF / NOT_SUP, LOGIN7 in clear", "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 00 00 00000000 00 1001003800000100 00000000000000000000000000000000000000000000000000000000000000000000000000000000 2c00 0100 6200 0000", "0401002600000100 0000150006 01001b0001 02001c0001 04001d0001 ff 100000100000 02 00 00", true, up{Protocol: "tds", User: "b", Kinds: refused + "," + clearPw}},
	{"no answer yet", "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 01 00 00000000 00", "", true, up{Protocol: "tds"}},
	{"encryption value 4", "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 04 00 00000000 00", "", false, up{}},
	{"no VERSION first", "1201002f00000100 0100200001 00001a0006 0200210001 0300220004 0400260001 ff 090000000000 01 00 00000000 00", "", false, up{}},
	{"option past the payload", "1201002f00000100 00001a0006 0100ff0001 0200210001 0300220004 0400260001 ff 090000000000 01 00 00000000 00", "", false, up{}},
}

func TestTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.name, func(t *testing.T) {
			in := detect.Input{C2S: detecttest.Unhex(t, tc.c2s), S2C: detecttest.Unhex(t, tc.s2c), ServerPort: 1433, Transport: 6}
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
		{C2S: c, S2C: s, ServerPort: 1433, Transport: 6, MidStream: true},
		{C2S: c, S2C: s, ServerPort: 1433, Transport: 17},
	} {
		var v detect.Verdict
		if Detect(&in, &v) {
			t.Errorf("recognised mid-stream %v transport %d", in.MidStream, in.Transport)
		}
	}
}

func FuzzTDSDetect(f *testing.F) {
	for _, tc := range transcripts {
		f.Add(detecttest.MustHex(tc.c2s), detecttest.MustHex(tc.s2c))
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		in := detect.Input{C2S: c2s, S2C: s2c, ServerPort: 1433, Transport: 6}
		var v detect.Verdict
		if !Detect(&in, &v) {
			if v.Protocol != "" || len(v.Findings) > 0 || v.Upgraded {
				t.Fatalf("not detected but filled: %+v", v)
			}
			return
		}
		if v.Protocol != "tds" || len(v.Findings) > 3 {
			t.Fatalf("verdict %+v", v)
		}
	})
}
