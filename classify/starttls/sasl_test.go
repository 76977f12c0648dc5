package starttls

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestPlainUser(t *testing.T) {
	for _, tc := range []struct{ resp, want string }{
		{b64("\x00bob\x00secret"), "bob"},
		{b64("admin\x00bob\x00secret") + "\r", "bob"},
		{b64("\x00\x00secret"), ""},          // no identity
		{b64("\x00bob smith\x00secret"), ""}, // no printable user ID
		{b64("bob"), ""},                     // no NULs: no PLAIN message
		{"not base64!", ""},
		{b64("\x00" + strings.Repeat("a", 1000) + "\x00x"), ""}, // beyond the buffer
	} {
		if got := PlainUser([]byte(tc.resp)); got != tc.want {
			t.Errorf("PlainUser(%q) = %q, want %q", tc.resp, got, tc.want)
		}
	}
}

func TestLoginUser(t *testing.T) {
	for _, tc := range []struct{ resp, want string }{
		{b64("bob"), "bob"},
		{" " + b64("bob@example.org") + " ", "bob@example.org"},
		{b64("bob\x00"), ""},
		{"****", ""},
	} {
		if got := LoginUser([]byte(tc.resp)); got != tc.want {
			t.Errorf("LoginUser(%q) = %q, want %q", tc.resp, got, tc.want)
		}
	}
}

func TestSASLPassword(t *testing.T) {
	var v detect.Verdict
	SASLPassword(&v, "POP3 AUTH", "pop3 AUTH", "PLAIN", "bob")
	SASLPassword(&v, "POP3 AUTH", "pop3 AUTH", "LOGIN", "")
	if v.User != "bob" || len(v.Findings) != 2 {
		t.Fatalf("user %q, %d findings", v.User, len(v.Findings))
	}
	f := v.Findings[0]
	if f.Kind != detect.KindCleartextPassword || f.User != "bob" || f.Mechanism != "PLAIN" || f.Message != "POP3 AUTH password sent in clear for user bob" {
		t.Errorf("%+v", f)
	}
	if v.Findings[1].Message != "POP3 AUTH password sent in clear" {
		t.Errorf("%+v", v.Findings[1])
	}
}
