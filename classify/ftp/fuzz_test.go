package ftp

import (
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func FuzzFTPDetect(f *testing.F) {
	for _, tc := range transcripts {
		f.Add([]byte(tc.c2s), []byte(tc.s2c), tc.mid, tc.port)
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, mid bool, port uint16) {
		in := detect.Input{C2S: c2s, S2C: s2c, ServerPort: port, MidStream: mid}
		var v detect.Verdict
		if !Detect(&in, &v) {
			if v.Protocol != "" || len(v.Findings) > 0 {
				t.Fatalf("not detected but filled: %+v", v)
			}
			return
		}
		if len(v.Expect) > maxExpect {
			t.Fatalf("%d expectations", len(v.Expect))
		}
		// A PASS argument must never reach the verdict: every string of it
		// must read the same when every password is replaced by other bytes
		// of the same length. (Comparing texts instead would flag a password
		// that happens to be a word of the message, such as "PASS".)
		masked, changed := maskPasswords(c2s)
		if !changed {
			return
		}
		var w detect.Verdict
		in.C2S = masked
		Detect(&in, &w)
		detecttest.SameStrings(t, &v, &w)
	})
}

// maskPasswords replaces every byte of the argument of every PASS command
// with a letter other than it (letters: no line end can appear or vanish).
func maskPasswords(c2s []byte) ([]byte, bool) {
	out := make([]byte, 0, len(c2s))
	changed := false
	for ln := range strings.Lines(string(c2s)) {
		if len(ln) > 5 && strings.EqualFold(ln[:5], "PASS ") {
			body := strings.TrimRight(ln[5:], "\r\n")
			m := []byte(body)
			for i, c := range m {
				if c == 'x' {
					m[i] = 'y'
				} else {
					m[i] = 'x'
				}
			}
			changed = changed || len(m) > 0
			ln = ln[:5] + string(m) + ln[5+len(body):]
		}
		out = append(out, ln...)
	}
	return out, changed
}
