package smtp

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// TestRejectFixtures: a server whose first bytes cannot start a greeting
// code, or a client whose first bytes cannot start a hello, is ruled out
// before any line end arrives.
func TestRejectFixtures(t *testing.T) {
	h := detecttest.MustHex
	detecttest.CheckRejects(t, Reject, Detect, []detecttest.RejectCase{
		{Name: "esmtp", C2S: []byte("ehlo client.example\r\nSTARTTLS\r\n"), S2C: []byte("220 mail.example ESMTP\r\n250-mail.example\r\n250 STARTTLS\r\n220 go ahead\r\n")},
		{Name: "random server bytes, no line end", C2S: h("38 e0 7a 01"), S2C: h("05 99 db cd 5b 4a"), Want: true},
		{Name: "greeting, random client", C2S: h("38 e0 7a 01"), S2C: []byte("220 mail"), Want: true},
		{Name: "wrong greeting code", S2C: []byte("230 "), Want: true},
	})
}
