package ldap

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// TestRejectFixtures: a client that opens with 0x30 but whose message
// headers are all there and malformed is ruled out; a bind request and
// its prefixes never are.
func TestRejectFixtures(t *testing.T) {
	h := detecttest.MustHex
	bind := h("30 1d 02 01 01 60 18 02 01 03 04 0b 63 6e 3d 6d 61 6e 61 67 65 72 80 06 73 65 63 72 65 74")
	detecttest.CheckRejects(t, Reject, Detect, []detecttest.RejectCase{
		{Name: "simple bind", C2S: bind},
		{Name: "long-form lengths", C2S: h("30 84 00 00 00 1d 02 84 00 00 00 01 01 60 84 00 00 00 18 02 01 03 04 0b")},
		{Name: "random after 0x30", C2S: h("30 d1 8d 60 a2 40 0a d0 5a 29 30 36 14 9d d8 02 af b1 f7 e5 95 9f 2f"), Want: true},
		{Name: "no message ID", C2S: h("30 1d 04 01 01 60 18 02 01 03 04 0b 63 6e 3d 6d 61 6e 61 67 65 72 80 06"), Want: true},
	})
}
