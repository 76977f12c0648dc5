package http

import (
	"bytes"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// maxRequests bounds how many pipelined or keep-alive requests one head is
// searched for credentials.
const maxRequests = 32

// Detect recognises an HTTP/1.x request at the start of the client head (or,
// for a mid-stream capture, a status line at the start of the server head)
// and reports clear-text credentials found in the requests of the head.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.Transport != 6 {
		return false
	}
	b := in.C2S
	if _, _, ok := requestLine(b); !ok {
		if in.MidStream && statusLine(in.S2C) {
			v.Protocol = "http"
			return true
		}
		return false
	}
	v.Protocol = "http"
	s2c := in.S2C
	if keep, ok := serverHorizon(s2c); ok {
		s2c = s2c[:keep]
		v.Settle(detect.S2C, keep)
	}
	partialOK := in.C2SFull || in.C2SHole
	pos := 0
	for i := 0; i < maxRequests && pos < len(b); i++ {
		next, ok := request(b[pos:], s2c, partialOK, v)
		if !ok || next <= 0 {
			break
		}
		pos += next
	}
	return true
}

// serverHorizon tells how much of the server head the verdict can depend
// on, and whether that is settled. The server's bytes matter only for an
// NTLM challenge (serverChallenge), which comes in the header section of
// an authentication demand (401, 407). So the server head is settled at
// the end of the header section of its first response that is neither
// interim (1xx) nor such a demand: the body after it, and a challenge to a
// later request on the same connection, are not looked at. It is settled
// too at the end of the lines serverChallenge reads at most.
func serverHorizon(s []byte) (int, bool) {
	for pos := 0; pos < len(s); {
		b := s[pos:]
		if !statusLine(b) {
			break
		}
		end := headerEnd(b)
		if end < 0 {
			break
		}
		code := int(b[9]-'0')*100 + int(b[10]-'0')*10 + int(b[11]-'0')
		if code == 401 || code == 407 {
			break
		}
		pos += end
		if code >= 200 {
			return pos, true
		}
	}
	end := 0
	for range maxChallengeLines {
		eol := bytes.IndexByte(s[end:], '\n')
		if eol < 0 {
			return 0, false
		}
		end += eol + 1
	}
	return end, true
}

// headerEnd returns the offset just past the empty line that ends the
// header section at the start of b, -1 when it is not there yet.
func headerEnd(b []byte) int {
	for i := 0; ; {
		eol := bytes.IndexByte(b[i:], '\n')
		if eol < 0 {
			return -1
		}
		line := b[i : i+eol]
		i += eol + 1
		if len(line) == 0 || len(line) == 1 && line[0] == '\r' {
			return i
		}
	}
}

// methodChar reports whether c may appear in a method token. Real methods are
// upper-case letters (plus '-' and '_' in WebDAV extensions); being this strict
// keeps binary and other text protocols out.
func methodChar(c byte) bool {
	return (c >= 'A' && c <= 'Z') || c == '-' || c == '_'
}

// requestLine parses "METHOD SP target SP HTTP/1.x CRLF" at the start of b and
// returns the method, the request target and ok. It fails until the whole line
// is present.
func requestLine(b []byte) (method, target []byte, ok bool) {
	i := 0
	for i < len(b) && i < 20 && methodChar(b[i]) {
		i++
	}
	if i < 3 || i >= len(b) || b[i] != ' ' {
		return nil, nil, false
	}
	method = b[:i]
	eol := bytes.IndexByte(b, '\n')
	if eol < 0 || eol > 8192 {
		return nil, nil, false
	}
	line := b[i+1 : eol]
	line = bytes.TrimSuffix(line, []byte{'\r'})
	sp := bytes.LastIndexByte(line, ' ')
	if sp <= 0 {
		return nil, nil, false
	}
	target, version := line[:sp], line[sp+1:]
	if !validVersion(version) {
		return nil, nil, false
	}
	for _, c := range target {
		if c <= ' ' || c == 0x7F {
			return nil, nil, false
		}
	}
	return method, target, true
}

// validVersion accepts HTTP/1.0, HTTP/1.1 and the HTTP/2 connection preface
// version.
func validVersion(v []byte) bool {
	if len(v) != 8 || !bytes.HasPrefix(v, []byte("HTTP/")) || v[6] != '.' {
		return false
	}
	return (v[5] == '1' && v[7] >= '0' && v[7] <= '9') || (v[5] == '2' && v[7] == '0')
}

// statusLine reports whether b starts with "HTTP/1.x NNN".
func statusLine(b []byte) bool {
	if len(b) < 12 || !bytes.HasPrefix(b, []byte("HTTP/1.")) || b[8] != ' ' {
		return false
	}
	for _, c := range b[9:12] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// request parses one request at the start of b, adds credential findings to
// v and returns the offset just past it (0 when its end is not in b). s2c is
// the server head.
// partialOK lets a last header line cut by the head's end count.
func request(b, s2c []byte, partialOK bool, v *detect.Verdict) (int, bool) {
	method, target, ok := requestLine(b)
	if !ok {
		return 0, false
	}
	pos := bytes.IndexByte(b, '\n') + 1
	h := headers{length: -1}
	ended := false
	for pos < len(b) {
		eol := bytes.IndexByte(b[pos:], '\n')
		var line []byte
		if eol < 0 {
			if !partialOK {
				break
			}
			line = b[pos:]
			pos = len(b)
		} else {
			line = b[pos : pos+eol]
			pos += eol + 1
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			ended = true
			break
		}
		h.add(line, s2c, v)
	}
	if q := bytes.IndexByte(target, '?'); q >= 0 {
		formCredentials(target[q+1:], true, v)
	}
	if !ended {
		return 0, false
	}
	// A request without Content-Length or chunked coding has no body
	// (RFC 9112 §6.3), whatever its method.
	if h.chunked {
		if h.form {
			formCredentials(b[pos:], false, v)
		}
		return 0, false
	}
	n := max(h.length, 0)
	end := min(pos+n, len(b))
	if h.form && !bytes.Equal(method, []byte("GET")) {
		formCredentials(b[pos:end], false, v)
	}
	if n > len(b)-pos {
		return 0, false
	}
	return end, true
}

// headers is what request keeps of a request's header fields.
type headers struct {
	length  int // Content-Length, -1 when absent or invalid
	form    bool
	chunked bool
}

// add interprets one header line.
func (h *headers) add(line, s2c []byte, v *detect.Verdict) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return
	}
	name := line[:colon]
	value := bytes.TrimSpace(line[colon+1:])
	switch {
	case bytes.EqualFold(name, []byte("Authorization")), bytes.EqualFold(name, []byte("Proxy-Authorization")):
		authorization(value, s2c, v)
	case bytes.EqualFold(name, []byte("Content-Length")):
		h.length = atoi(value)
	case bytes.EqualFold(name, []byte("Content-Type")):
		h.form = hasPrefixFold(value, "application/x-www-form-urlencoded")
	case bytes.EqualFold(name, []byte("Transfer-Encoding")):
		h.chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
	}
}

// atoi parses a non-negative decimal of at most 9 digits; -1 otherwise.
func atoi(b []byte) int {
	if len(b) == 0 || len(b) > 9 {
		return -1
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// hasPrefixFold is a case-insensitive bytes.HasPrefix for an ASCII prefix.
func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

// Reject reports that no more bytes can make Detect match: not TCP, or a
// client that does not open with a method (and, mid-stream, a server that
// does not open with a status line).
func Reject(in *detect.Input) bool {
	if in.Transport != 6 {
		return true
	}
	// requestLine: 3 to 20 method characters, then a space.
	c := in.C2S
	i := 0
	for i < len(c) && i < 20 && methodChar(c[i]) {
		i++
	}
	if i >= len(c) || i >= 3 && c[i] == ' ' {
		return false
	}
	return !in.MidStream || len(in.S2C) > 0 && in.S2C[0] != 'H'
}
