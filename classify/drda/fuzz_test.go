package drda

import (
	"testing"
	"unicode/utf8"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// FuzzDRDADetect splits the fuzz bytes into a client and a server head at
// split and checks the detector neither panics nor reports odd verdicts.
func FuzzDRDADetect(f *testing.F) {
	for _, name := range []string{"drda-secmec3", "drda-secmec8"} {
		c, s := loadFollow(f, name)
		f.Add(append(c[:min(len(c), 600)], s[:min(len(s), 300)]...), uint16(min(len(c), 600)), false)
	}
	f.Add(append(jtEXCSAT, jtSECCHK...), uint16(len(jtEXCSAT)+len(jtSECCHK)), false)
	f.Fuzz(func(t *testing.T, data []byte, split uint16, mid bool) {
		n := min(int(split), len(data))
		in := &detect.Input{C2S: data[:n], S2C: data[n:], MidStream: mid}
		var v detect.Verdict
		if !Detect(in, &v) {
			if v.Protocol != "" || len(v.Findings) != 0 {
				t.Fatalf("rejected but filled: %+v", v)
			}
			return
		}
		if v.Protocol != Name {
			t.Fatalf("protocol %q", v.Protocol)
		}
		if !utf8.ValidString(v.User) {
			t.Fatalf("user not UTF-8: %q", v.User)
		}
		for _, f := range v.Findings {
			if f.Kind == "" || f.Severity == "" || f.Length < 0 || !utf8.ValidString(f.User) {
				t.Fatalf("bad finding %+v", f)
			}
		}
		if msg := checkMasked(in, &v); msg != "" {
			t.Fatalf("%s: %+v", msg, v)
		}
	})
}
