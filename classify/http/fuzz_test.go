package http

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func FuzzHTTPDetect(f *testing.F) {
	f.Add(unhex(f, basicC2S), []byte(nil), false)
	f.Add(unhex(f, formC2S), unhex(f, formS2C), false)
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, mid bool) {
		var v detect.Verdict
		in := &detect.Input{C2S: c2s, S2C: s2c, Transport: 6, MidStream: mid, C2SFull: len(c2s)%2 == 1}
		ok := Detect(in, &v)
		if !ok && (v.Protocol != "" || len(v.Findings) != 0 || v.User != "") {
			t.Fatalf("rejected but verdict filled: %+v", v)
		}
		if ok && v.Protocol != "http" {
			t.Fatalf("Protocol = %q", v.Protocol)
		}
	})
}
