package rexec

import (
	"bytes"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func FuzzRexecDetect(f *testing.F) {
	f.Add(reqStderr, uint16(512), false, []byte(nil))
	f.Fuzz(func(t *testing.T, c2s []byte, port uint16, full bool, s2c []byte) {
		var v detect.Verdict
		in := detect.Input{C2S: c2s, S2C: s2c, Transport: 6, ServerPort: port, C2SFull: full}
		ok := Detect(&in, &v)
		if ok && (v.Protocol != "rexec" || v.User == "") {
			t.Fatalf("accepted with verdict %+v", v)
		}
		if !ok && (v.Protocol != "" || len(v.Findings) > 0) {
			t.Fatalf("rejected but verdict filled: %+v", v)
		}
		if ok {
			if msg := detecttest.PrefixRejected(&in, Reject); msg != "" {
				t.Fatalf("Reject is not sound: %s", msg)
			}
		}
		// The password (third NUL-terminated field) must reach no string of
		// the verdict: masked with other bytes of the same length, the
		// verdict must read the same.
		masked, changed := maskPassword(c2s)
		if !changed {
			return
		}
		var w detect.Verdict
		in.C2S = masked
		Detect(&in, &w)
		detecttest.SameStrings(t, &v, &w)
	})
}

// maskPassword replaces every byte of the third NUL-terminated field with a
// letter other than it; changed is false when there is no such field or it
// is empty.
func maskPassword(c2s []byte) ([]byte, bool) {
	out := bytes.Clone(c2s)
	pos := 0
	for range 2 {
		n := bytes.IndexByte(out[pos:], 0)
		if n < 0 {
			return nil, false
		}
		pos += n + 1
	}
	n := bytes.IndexByte(out[pos:], 0)
	if n <= 0 {
		return nil, false
	}
	for i := pos; i < pos+n; i++ {
		if out[i] == 'x' {
			out[i] = 'y'
		} else {
			out[i] = 'x'
		}
	}
	return out, true
}
