package adb

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// The first flow of testdata/adb-cnxn-5555.pcap (record/adb/record.sh: the
// real adb client against a scripted device).
func TestRecorded(t *testing.T) {
	c, s := detecttest.Flow(t, "adb-cnxn-5555")
	for _, in := range []detect.Input{
		{C2S: c, S2C: s, ServerPort: 5555, Transport: 6},
		{C2S: c, ServerPort: 5555, Transport: 6}, // the device's answer not yet there
	} {
		var v detect.Verdict
		if !Detect(&in, &v) || v.Protocol != "adb" || len(v.Findings) != 0 {
			t.Errorf("verdict %+v", v)
		}
		if Reject(&in) {
			t.Error("rejected")
		}
	}
}

// CNXN header: command, version 0x01000001, maxdata 0x00040000, length 0,
// CRC 0, magic = ^command.
const cnxn = "434e584e 01000001 00000400 00000000 00000000 bcb1a7b1"

func TestTranscripts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		c2s, s2c string
		ok, rej  bool
	}{
		{"CNXN alone", cnxn, "", true, false},
		{"CNXN answered AUTH", cnxn, "41555448 01000000 00000000 14000000 00000000 beaaabb7", true, false},
		{"bad magic", "434e584e 01000001 00000400 00000000 00000000 bcb1a7b0", "", false, true},
		{"bad version", "434e584e 02000001 00000400 00000000 00000000 bcb1a7b1", "", false, true},
		{"answer is no ADB", cnxn, "48545450 2f312e31 20323030 204f4b0d 0a0d0a00 00000000", false, false},
		{"host-server header", "00000034 00000000 e0090000 00000000 00000000 7003", "", false, true},
		{"first bytes only", "434e", "", false, false},
	} {
		in := detect.Input{C2S: detecttest.Unhex(t, tc.c2s), S2C: detecttest.Unhex(t, tc.s2c), ServerPort: 5555, Transport: 6}
		var v detect.Verdict
		if got := Detect(&in, &v); got != tc.ok {
			t.Errorf("%s: Detect = %v", tc.name, got)
		}
		if got := Reject(&in); got != tc.rej {
			t.Errorf("%s: Reject = %v", tc.name, got)
		}
	}
}

func FuzzADBDetect(f *testing.F) {
	f.Add(detecttest.MustHex(cnxn), []byte(nil))
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		in := detect.Input{C2S: c2s, S2C: s2c, ServerPort: 5555, Transport: 6}
		var v detect.Verdict
		ok := Detect(&in, &v)
		if ok && Reject(&in) {
			t.Fatal("detected and rejected")
		}
		if !ok && (v.Protocol != "" || len(v.Findings) > 0) {
			t.Fatalf("not detected but filled: %+v", v)
		}
	})
}
