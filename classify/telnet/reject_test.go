package telnet

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// TestRejectFixtures: a direction that opens with IAC but whose commands
// are malformed (random bytes after 0xFF) is ruled out at once; real
// openings and their prefixes never are.
func TestRejectFixtures(t *testing.T) {
	h := detecttest.MustHex
	detecttest.CheckRejects(t, Reject, Detect, []detecttest.RejectCase{
		{Name: "tn5250 negotiation", C2S: h("ff fb 18"), S2C: h("ff fd 18 ff fd 19 ff fa 27 01 03 49 42 4d 52 53 45 45 44 ff f0")},
		{Name: "one DO then banner, answered in kind", C2S: h("ff fc 01 41 42"), S2C: []byte("\xff\xfd\x18login: ")},
		{Name: "server IAC then a random command byte", C2S: h("8c 18 f3 f2"), S2C: h("ff 4e 2b 1c 49 7d"), Want: true},
		{Name: "client IAC then unknown option", C2S: h("ff fb 48 00"), S2C: h("12 34"), Want: true},
		{Name: "one negotiation then binary both ways", C2S: h("ff fb 01 00 9a bc"), S2C: h("ff fd 01 fe 80"), Want: true},
		{Name: "escaped 0xFF first", C2S: h("ff ff 41"), S2C: h("00"), Want: true},
	})
}
