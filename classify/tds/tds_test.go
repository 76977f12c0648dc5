package tds

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

type up = detecttest.Upgrade

// Flows of the captures made by testdata/record/tds/gen_tds.py (generated from MS-TDS, no real server) (testdata/README.md).
var recorded = []detecttest.Recorded{
	{Name: "tds-prelogin-encrypt", Want: up{Protocol: "tds", How: "TDS PRELOGIN encryption", TLS: 0x0304}},
	// ENCRYPT_OFF both ways: TLS protects only the LOGIN7 packet.
	{Name: "tds-prelogin-off", Want: up{Protocol: "tds", TLS: 0x0304, Kinds: detecttest.Refused}},
	{Name: "tds-prelogin-notsup", Want: up{Protocol: "tds", User: "ibmitst", Kinds: detecttest.Refused + "," + detecttest.ClearPw}},
}

// transcripts are byte-literal exchanges (hex) with what must come of them.
var transcripts = []detecttest.Transcript{
	// PRELOGIN (MS-TDS 2.2.6.5: VERSION, ENCRYPTION, INSTOPT, THREADID,
	// MARS) and the server's answer; the TLS handshake travels in PRELOGIN
	// packets.
	{Name: "ON / ON", C2S: "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 01 00 00000000 00 1201000e00000000 1603010001 01", S2C: "0401002600000100 0000150006 01001b0001 02001c0001 04001d0001 ff 100000100000 01 00 00", OK: true, Want: up{Protocol: "tds", How: "TDS PRELOGIN encryption"}},
	{Name: "OFF / REQ", C2S: "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 00 00 00000000 00 1201000e00000000 1603010001 01", S2C: "0401002600000100 0000150006 01001b0001 02001c0001 04001d0001 ff 100000100000 03 00 00", OK: true, Want: up{Protocol: "tds", How: "TDS PRELOGIN encryption"}},
	{Name: "ON / OFF: login only", C2S: "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 01 00 00000000 00", S2C: "0401002600000100 0000150006 01001b0001 02001c0001 04001d0001 ff 100000100000 00 00 00", OK: true, Want: up{Protocol: "tds", Kinds: detecttest.Refused}},
	{Name: "NOT_SUP / ON: client cannot", C2S: "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 02 00 00000000 00 1001003800000100 00000000000000000000000000000000000000000000000000000000000000000000000000000000 2c00 0100 6200 0000", S2C: "0401002600000100 0000150006 01001b0001 02001c0001 04001d0001 ff 100000100000 01 00 00", OK: true, Want: up{Protocol: "tds", User: "b", Kinds: detecttest.Refused + "," + detecttest.ClearPw}},
	{Name: "OFF / NOT_SUP, LOGIN7 in clear", C2S: "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 00 00 00000000 00 1001003800000100 00000000000000000000000000000000000000000000000000000000000000000000000000000000 2c00 0100 6200 0000", S2C: "0401002600000100 0000150006 01001b0001 02001c0001 04001d0001 ff 100000100000 02 00 00", OK: true, Want: up{Protocol: "tds", User: "b", Kinds: detecttest.Refused + "," + detecttest.ClearPw}},
	{Name: "no answer yet", C2S: "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 01 00 00000000 00", S2C: "", OK: true, Want: up{Protocol: "tds"}},
	{Name: "encryption value 4", C2S: "1201002f00000100 00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000 04 00 00000000 00", S2C: "", OK: false, Want: up{}},
	{Name: "no VERSION first", C2S: "1201002f00000100 0100200001 00001a0006 0200210001 0300220004 0400260001 ff 090000000000 01 00 00000000 00", S2C: "", OK: false, Want: up{}},
	{Name: "option past the payload", C2S: "1201002f00000100 00001a0006 0100ff0001 0200210001 0300220004 0400260001 ff 090000000000 01 00 00000000 00", S2C: "", OK: false, Want: up{}},
}

// TestUpgrade runs the shared upgrade checks over the tables.
func TestUpgrade(t *testing.T) { suite.Run(t) }

// FuzzTDSDetect fuzzes both heads (detecttest.Suite.Fuzz).
func FuzzTDSDetect(f *testing.F) { suite.Fuzz(f) }

// suite runs the checks the upgrade detectors share over this package's tables.
var suite = detecttest.Suite{Detect: Detect, Protocol: "tds", Port: 1433, Hex: true, MaxFindings: 3, Recorded: recorded, Transcripts: transcripts}
