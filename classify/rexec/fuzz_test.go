package rexec

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func FuzzRexecDetect(f *testing.F) {
	f.Add(reqStderr, uint16(512), false)
	f.Fuzz(func(t *testing.T, c2s []byte, port uint16, full bool) {
		var v detect.Verdict
		ok := Detect(&detect.Input{C2S: c2s, Transport: 6, ServerPort: port, C2SFull: full}, &v)
		if ok && (v.Protocol != "rexec" || v.User == "") {
			t.Fatalf("accepted with verdict %+v", v)
		}
		if !ok && (v.Protocol != "" || len(v.Findings) > 0) {
			t.Fatalf("rejected but verdict filled: %+v", v)
		}
	})
}
