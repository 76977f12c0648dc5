package starttls

import (
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func TestReply(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code int
		rest string
		ok   bool
	}{
		{"250-a\r\n250-b\r\n250 c\r\nX", 250, "X", true},
		{"220 ready\r\n", 220, "", true},
		{"250-a\r\n251 b\r\n", 0, "", false}, // the code changed inside a reply
		{"250-a\r\n", 0, "", false},          // the last line is not there yet
		{"hello\r\n", 0, "", false},
		{"600 x\r\n", 0, "", false},
		{"220\r\n", 220, "", true},
	} {
		code, rest, ok := Reply([]byte(tc.in))
		if code != tc.code || string(rest) != tc.rest || ok != tc.ok {
			t.Errorf("Reply(%q) = %d %q %v; want %d %q %v", tc.in, code, rest, ok, tc.code, tc.rest, tc.ok)
		}
	}
}

func TestLineLimit(t *testing.T) {
	if _, _, ok := Line([]byte(strings.Repeat("a", MaxLine) + "\r\n")); !ok {
		t.Error("a line of MaxLine bytes is refused")
	}
	if _, _, ok := Line([]byte(strings.Repeat("a", MaxLine+3) + "\n")); ok {
		t.Error("a line longer than MaxLine is accepted")
	}
}

func TestSkipDotBlock(t *testing.T) {
	rest, ok := SkipDotBlock([]byte("a\r\n..b\r\n.\r\nNEXT"))
	if !ok || string(rest) != "NEXT" {
		t.Errorf("got %q %v", rest, ok)
	}
	if _, ok := SkipDotBlock([]byte("a\r\n.b\r\n")); ok {
		t.Error("an unfinished block is finished")
	}
}

func TestVerb(t *testing.T) {
	if r, ok := Verb([]byte("starttls"), "STARTTLS"); !ok || r != nil {
		t.Error("lower-case verb alone")
	}
	if r, ok := Verb([]byte("AUTH PLAIN x"), "AUTH"); !ok || string(r) != "PLAIN x" {
		t.Errorf("AUTH: %q %v", r, ok)
	}
	if _, ok := Verb([]byte("AUTHX"), "AUTH"); ok {
		t.Error("prefix of a longer word")
	}
}

func TestAcceptedThenAlert(t *testing.T) {
	// A minimal ClientHello and a handshake_failure alert from the server.
	hello := []byte{0x16, 0x03, 0x01, 0x00, 0x2d, 0x01, 0x00, 0x00, 0x29, 0x03, 0x03}
	hello = append(hello, make([]byte, 32)...)
	hello = append(hello, 0x00, 0x00, 0x02, 0x00, 0x2f, 0x01, 0x00)
	alert := []byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28}
	var v detect.Verdict
	Accepted(&v, "STARTTLS", hello, alert)
	if !v.TLS.Seen || v.Upgraded || len(v.Findings) != 1 || v.Findings[0].Kind != detect.KindTLSUpgradeRefused {
		t.Errorf("verdict %+v", v)
	}
}

func TestCannotStart(t *testing.T) {
	for _, tc := range []struct {
		b    string
		want bool
	}{
		{"", false}, {"2", false}, {"22", false}, {"220 x", false}, {"ehl", false}, {"EHLO", false},
		{"3", true}, {"2\n", true}, {"\xff", true}, {"EHLX", true},
	} {
		if got := CannotStart([]byte(tc.b), "220", "EHLO"); got != tc.want {
			t.Errorf("CannotStart(%q) = %v, want %v", tc.b, got, tc.want)
		}
	}
}
