package ftp

import (
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func FuzzFTPDetect(f *testing.F) {
	for _, tc := range transcripts {
		f.Add([]byte(tc.c2s), []byte(tc.s2c), tc.mid)
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, mid bool) {
		in := detect.Input{C2S: c2s, S2C: s2c, ServerPort: 21, MidStream: mid}
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
		// A PASS argument must never reach a finding: the findings must read
		// the same when every password is replaced by other bytes of the
		// same length. (Comparing texts instead would flag a password that
		// happens to be a word of the message, such as "PASS".)
		masked := maskPasswords(c2s)
		var w detect.Verdict
		Detect(&detect.Input{C2S: masked, S2C: s2c, ServerPort: 21, MidStream: mid}, &w)
		if len(w.Findings) != len(v.Findings) {
			return // masking changed the parse (a password containing CR/LF); nothing to compare
		}
		for i := range v.Findings {
			if v.Findings[i].Message != w.Findings[i].Message {
				t.Fatalf("a password reached a finding: %q vs %q", v.Findings[i].Message, w.Findings[i].Message)
			}
		}
	})
}

// maskPasswords replaces the argument of every PASS command with '#' bytes.
func maskPasswords(c2s []byte) []byte {
	out := make([]byte, 0, len(c2s))
	for ln := range strings.Lines(string(c2s)) {
		if len(ln) > 5 && strings.EqualFold(ln[:5], "PASS ") {
			body := strings.TrimRight(ln[5:], "\r\n")
			ln = ln[:5] + strings.Repeat("#", len(body)) + ln[5+len(body):]
		}
		out = append(out, ln...)
	}
	return out
}
