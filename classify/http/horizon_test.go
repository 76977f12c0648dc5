package http

import (
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// TestServerHorizon: the server head is settled at the end of the header
// section of its first response that is neither interim nor a demand for
// authentication, or after the lines serverChallenge reads at most.
func TestServerHorizon(t *testing.T) {
	ok200 := "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
	lines := strings.Repeat("x\n", maxChallengeLines)
	for _, tc := range []struct {
		name  string
		s2c   string
		keep  int
		final bool
	}{
		{"200 with a body", ok200 + "hello", len(ok200), true},
		{"200, headers not over", "HTTP/1.1 200 OK\r\nContent-Le", 0, false},
		{"100 Continue, then 200", "HTTP/1.1 100 Continue\r\n\r\n" + ok200 + "hel", len("HTTP/1.1 100 Continue\r\n\r\n") + len(ok200), true},
		{"401 keeps the head for its challenge", "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n", 0, false},
		{"407", "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", 0, false},
		{"bare LF", "HTTP/1.0 302 Found\nLocation: /\n\nbody", len("HTTP/1.0 302 Found\nLocation: /\n\n"), true},
		{"not a response, few lines", "hello\nworld\n", 0, false},
		{"not a response, the lines read at most", lines + "more", len(lines), true},
		{"empty", "", 0, false},
	} {
		keep, final := serverHorizon([]byte(tc.s2c))
		if keep != tc.keep || final != tc.final {
			t.Errorf("%s: serverHorizon = %d, %v; want %d, %v", tc.name, keep, final, tc.keep, tc.final)
		}
	}
}

// TestDetectSettles: Detect settles the server direction of a request
// answered by a 200 (the detector reads no further), and not while an
// NTLM challenge may still come.
func TestDetectSettles(t *testing.T) {
	hdr := "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"
	in := detect.Input{Transport: 6, C2S: []byte("GET / HTTP/1.1\r\n\r\n"), S2C: []byte(hdr + "body")}
	var v detect.Verdict
	if !Detect(&in, &v) || v.Done[detect.S2C] != (detect.Done{Final: true, Keep: len(hdr)}) || v.Done[detect.C2S].Final {
		t.Errorf("200: Done = %+v", v.Done)
	}
	in.S2C = []byte("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\n\r\n")
	v = detect.Verdict{}
	if !Detect(&in, &v) || v.Done[detect.S2C].Final {
		t.Errorf("401: Done = %+v", v.Done)
	}
}
