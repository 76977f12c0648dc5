package ldap

import (
	"bytes"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func FuzzLDAPDetect(f *testing.F) {
	for _, tc := range synthetic {
		f.Add(unhex(f, tc.c2s), unhex(f, tc.s2c), false)
	}
	f.Add(bindMsg(1, "", "PLAIN", []byte("\x00bob\x00plainpw")), []byte(nil), true)
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, mid bool) {
		var v detect.Verdict
		ok := Detect(&detect.Input{C2S: c2s, S2C: s2c, MidStream: mid}, &v)
		if !ok && (v.Protocol != "" || len(v.Findings) > 0) {
			t.Fatalf("not detected but filled: %+v", v)
		}
		for _, x := range v.Findings {
			if x.Kind == detect.KindCleartextPassword && !bytes.Contains(c2s, []byte{0x60}) {
				t.Fatalf("password finding without a bind: %+v", x)
			}
		}
	})
}
