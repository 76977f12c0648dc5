package ssh

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// TestRejectFixtures: random bytes are ruled out on the server's first
// line; real openings (with text lines before the identification) never
// are, whatever prefix of them has arrived.
func TestRejectFixtures(t *testing.T) {
	h := detecttest.MustHex
	detecttest.CheckRejects(t, Reject, Detect, []detecttest.RejectCase{
		{Name: "openssh both ways", C2S: []byte("SSH-2.0-OpenSSH_9.2p1\r\n"), S2C: []byte("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")},
		{Name: "server banner lines first", C2S: []byte("SSH-2.0-PuTTY_Release_0.78\r\n"), S2C: []byte("Authorised use only.\r\nZugang nur für Berechtigte\r\nSSH-2.0-OpenSSH_8.7\r\n")},
		{Name: "server only, client waits", S2C: []byte("SSH-1.99-Cisco-1.25\n")},
		// Random high bytes reaching a line feed: accepted as a line of
		// text before, now invalid UTF-8.
		{Name: "random line of high bytes", C2S: h("ab f2 c0 b1 84 89"), S2C: h("88 cf 89 ec a8 cc 46 64 76 aa de 5b 97 a2 69 0a 41"), Want: true},
		{Name: "control byte in the first line", C2S: h("01 02"), S2C: h("41 42 05 43"), Want: true},
		{Name: "text line then binary", C2S: h("01 02"), S2C: []byte("hello\r\n\xff\xfe\x00"), Want: true},
		{Name: "no line end within a line", C2S: h("01"), S2C: bytesOf('a', 300), Want: true},
		{Name: "client identification garbled", C2S: []byte("SSH-9.0-x\r\n0123456789"), S2C: h("00"), Want: true},
	})
}

func bytesOf(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}
