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
		// A PASS argument must never reach a finding.
		for ln := range strings.Lines(string(c2s)) {
			if len(ln) > 5 && strings.EqualFold(ln[:5], "PASS ") {
				pw := strings.TrimRight(ln[5:], "\r\n")
				if len(pw) < 4 {
					continue
				}
				for _, x := range v.Findings {
					if strings.Contains(x.Message, pw) && !strings.Contains(x.User, pw) {
						t.Fatalf("password %q in %+v", pw, x)
					}
				}
			}
		}
	})
}
