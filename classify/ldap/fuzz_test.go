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
	f.Add(bindMsg(1, "", "PLAIN", []byte("admin\x00bob\x00plainpw")), []byte(nil), false)
	f.Add(bindMsg(1, "cn=x", "GSSAPI", []byte{0x60, 0x30, 0x80, 0x04}), []byte(nil), false)
	for _, name := range []string{"ldap-simple-bind", "ldap-bind-fail", "ldap-starttls", "ldap-midsession"} {
		in := flowInput(f, name, false)
		f.Add(in.C2S, in.S2C, name == "ldap-midsession")
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, mid bool) {
		var v detect.Verdict
		in := &detect.Input{C2S: c2s, S2C: s2c, MidStream: mid}
		ok := Detect(in, &v)
		if !ok && (v.Protocol != "" || len(v.Findings) > 0) {
			t.Fatalf("not detected but filled: %+v", v)
		}
		if !ok {
			return
		}
		for _, x := range v.Findings {
			if x.Kind == detect.KindCleartextPassword && !bytes.Contains(c2s, []byte{0x60}) {
				t.Fatalf("password finding without a bind: %+v", x)
			}
		}
		if msg := checkMasked(in, &v); msg != "" {
			t.Fatalf("%s: %+v", msg, v)
		}
	})
}
