package smb

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// TestRejectFixtures: a session message whose header holds no SMB ID, or
// a session request with impossible flags or name, is ruled out once its
// bytes are there; a real opening and its prefixes never are.
func TestRejectFixtures(t *testing.T) {
	h := detecttest.MustHex
	detecttest.CheckRejects(t, Reject, Detect, []detecttest.RejectCase{
		{Name: "smb2 negotiate header", C2S: h("00 00 00 66 fe 53 4d 42 40 00 00 00")},
		{Name: "session request", C2S: h("81 00 00 44 20 43 4b 46 44")},
		{Name: "random, NUL first", C2S: h("00 17 83 a3 19 cb 0f 21 c3"), S2C: h("bf 0c 67"), Want: true},
		{Name: "random, 0x81 first with bad flags", C2S: h("81 7b b0 00"), S2C: h("33"), Want: true},
		{Name: "session request without a name", C2S: h("81 00 00 44 41"), S2C: h("33"), Want: true},
	})
}
