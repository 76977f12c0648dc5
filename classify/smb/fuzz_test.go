package smb

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// FuzzSMBDetect runs both SMB detectors on arbitrary heads.
func FuzzSMBDetect(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x40\xfeSMB@"), []byte(nil), false)
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, mid bool) {
		var v detect.Verdict
		in := &detect.Input{C2S: c2s, S2C: s2c, Transport: 6, MidStream: mid}
		if ok := Detect(in, &v); !ok && (v.Protocol != "" || len(v.Findings) > 0 || v.User != "") {
			t.Fatalf("rejected but verdict filled: %+v", v)
		}
		in.Transport = 17
		var w detect.Verdict
		if ok := DetectNetBIOS(in, &w); ok != (w.Protocol == "netbios") || len(w.Findings) > 0 {
			t.Fatalf("netbios verdict %v %+v", ok, w)
		}
		typ, a, ok := ParseNTLM(c2s)
		if !ok && (typ != 0 || a != (Auth{})) {
			t.Fatalf("ParseNTLM failed but returned %d %+v", typ, a)
		}
	})
}
