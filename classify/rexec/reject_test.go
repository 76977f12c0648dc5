package rexec

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// TestRejectFixtures: after the stderr port's NUL the user name must
// follow; random bytes there rule the flow out.
func TestRejectFixtures(t *testing.T) {
	h := detecttest.MustHex
	detecttest.CheckRejects(t, Reject, Detect, []detecttest.RejectCase{
		{Name: "request", C2S: []byte("1023\x00bob\x00pw\x00ls -l\x00")},
		{Name: "no stderr port", C2S: []byte("\x00QSECOFR\x00x\x00DSPLIB\x00"), S2C: h("00")},
		{Name: "random after NUL", C2S: h("00 17 f8 c5 ce 28"), Want: true},
		{Name: "empty user", C2S: h("30 00 00 41"), Want: true},
		{Name: "user too long", C2S: append([]byte("\x00"), make65('u')...), Want: true},
	})
}

func make65(c byte) []byte {
	b := make([]byte, maxUserLen+1)
	for i := range b {
		b[i] = c
	}
	return b
}
