package ftp

import (
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// TestRejectFixtures: a client whose first complete line is no FTP
// command, or which sent more than a line's length without a line end,
// rules the flow out without the server; a real session and its
// prefixes never are.
func TestRejectFixtures(t *testing.T) {
	h := detecttest.MustHex
	detecttest.CheckRejects(t, Reject, Detect, []detecttest.RejectCase{
		{Name: "ibm i login", C2S: []byte("USER QSECOFR\r\nPASS x\r\n"), S2C: []byte("220-QTCP at IBMI.\r\n220 Connection will close if idle more than 5 minutes.\r\n331 Enter password.\r\n")},
		{Name: "random with a line end", C2S: h("8c 18 f3 0a 6d"), Want: true},
		{Name: "unknown verb", C2S: []byte("EHLO x\r\n"), Want: true},
		{Name: "no line end within a line", C2S: []byte(strings.Repeat("A", maxLine+1)), Want: true},
	})
}
