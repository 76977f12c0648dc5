package telnet

import (
	"testing"
	"unicode/utf8"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// FuzzTelnetDetect splits the fuzz bytes into a client and a server head at
// split and checks the detector neither panics nor reports odd verdicts.
func FuzzTelnetDetect(f *testing.F) {
	c, s := loadFollow(f, "rec-login-ok")
	f.Add(append(c, s...), uint16(len(c)))
	cl := cat(tnClientOpen, envClearPW, tnTermType, tnBinaryEOR, signonEnter)
	f.Add(cat(cl, tnServerOpen, signonRecord), uint16(len(cl)))
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		n := min(int(split), len(data))
		var v detect.Verdict
		if !Detect(&detect.Input{C2S: data[:n], S2C: data[n:]}, &v) {
			if v.Protocol != "" || len(v.Findings) != 0 {
				t.Fatalf("rejected but filled: %+v", v)
			}
			return
		}
		if v.Protocol != ProtoTelnet && v.Protocol != Proto5250 {
			t.Fatalf("protocol %q", v.Protocol)
		}
		if !utf8.ValidString(v.User) {
			t.Fatalf("user not UTF-8: %q", v.User)
		}
		for _, f := range v.Findings {
			if f.Kind == "" || f.Severity == "" || f.Message == "" {
				t.Fatalf("bad finding %+v", f)
			}
		}
	})
}
