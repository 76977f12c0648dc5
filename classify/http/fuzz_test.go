package http

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func FuzzHTTPDetect(f *testing.F) {
	f.Add(unhex(f, basicC2S), []byte(nil), false)
	f.Add(unhex(f, formC2S), unhex(f, formS2C), false)
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, mid bool) {
		var v detect.Verdict
		in := &detect.Input{C2S: c2s, S2C: s2c, Transport: 6, MidStream: mid, C2SFull: len(c2s)%2 == 1}
		ok := Detect(in, &v)
		if !ok && (v.Protocol != "" || len(v.Findings) != 0 || v.User != "") {
			t.Fatalf("rejected but verdict filled: %+v", v)
		}
		if ok && v.Protocol != "http" {
			t.Fatalf("Protocol = %q", v.Protocol)
		}
		// No secret may reach the verdict: with every password, secret-named
		// form value and Basic password (or, with an empty password, the
		// Basic token) replaced by other bytes of the same length, every
		// string of the verdict must read the same.
		masked := maskSecrets(c2s)
		if bytes.Equal(masked, c2s) {
			return
		}
		var w detect.Verdict
		mi := *in
		mi.C2S = masked
		Detect(&mi, &w)
		detecttest.SameStrings(t, &v, &w)
	})
}

// maskSecrets returns a copy of a client head with every secret replaced by
// other bytes of the same length. It frames requests on its own (request
// line, headers, Content-Length or chunked body) so that only bytes that are
// secrets in context are touched: a digest user name that happens to hold
// "&pw=x" is not.
func maskSecrets(c2s []byte) []byte {
	out := bytes.Clone(c2s)
	pos := 0
	for pos < len(out) {
		b := out[pos:]
		eol := bytes.IndexByte(b, '\n')
		if eol < 0 {
			return out
		}
		reqLine := bytes.TrimSuffix(b[:eol], []byte("\r"))
		sp1, sp2 := bytes.IndexByte(reqLine, ' '), bytes.LastIndexByte(reqLine, ' ')
		if sp1 < 3 || sp2 <= sp1 || !bytes.HasPrefix(reqLine[sp2+1:], []byte("HTTP/")) {
			return out
		}
		target := reqLine[sp1+1 : sp2]
		if q := bytes.IndexByte(target, '?'); q >= 0 {
			maskForm(target[q+1:])
		}
		p := eol + 1
		length, chunked, ended := 0, false, false
		for p < len(b) {
			e := bytes.IndexByte(b[p:], '\n')
			var ln []byte
			if e < 0 {
				ln, p = b[p:], len(b)
			} else {
				ln, p = b[p:p+e], p+e+1
			}
			ln = bytes.TrimSuffix(ln, []byte("\r"))
			if len(ln) == 0 {
				ended = true
				break
			}
			colon := bytes.IndexByte(ln, ':')
			if colon <= 0 {
				continue
			}
			name, val := strings.ToLower(string(ln[:colon])), bytes.TrimSpace(ln[colon+1:])
			switch name {
			case "authorization", "proxy-authorization":
				maskBasic(val)
			case "content-length":
				length = 0 // as the detector: up to 9 digits, else none
				for _, c := range val {
					if c < '0' || c > '9' || len(val) > 9 {
						length = 0
						break
					}
					length = length*10 + int(c-'0')
				}
			case "transfer-encoding":
				chunked = bytes.Contains(bytes.ToLower(val), []byte("chunked"))
			}
		}
		if !ended {
			return out
		}
		if chunked {
			maskForm(b[p:])
			return out
		}
		end := min(p+length, len(b))
		maskForm(b[p:end])
		pos += end
		if end == p && length > 0 {
			return out
		}
	}
	return out
}

// maskForm masks, in place, the value of every urlencoded field whose name
// (decoded) holds a word that marks a secret.
func maskForm(b []byte) {
	for _, field := range bytes.Split(b, []byte("&")) {
		eq := bytes.IndexByte(field, '=')
		if eq <= 0 {
			continue
		}
		if secretName(strings.ToLower(formDecode(field[:eq]))) {
			maskBytes(field[eq+1:])
		}
	}
}

// secretName is the oracle's own list of the words that mark a secret.
func secretName(n string) bool {
	for _, w := range []string{"pass", "pw", "pwd", "pin", "secret", "token", "key", "auth", "cred"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// formDecode decodes '+' and valid %XX escapes, keeping malformed ones.
func formDecode(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '+':
			sb.WriteByte(' ')
		case b[i] == '%' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			sb.WriteByte(byte(hexVal(b[i+1])<<4 | hexVal(b[i+2])))
			i += 2
		default:
			sb.WriteByte(b[i])
		}
	}
	return sb.String()
}

func isHex(c byte) bool { return hexVal(c) >= 0 }

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return -1
}

// maskBasic masks, in place, the password of a Basic credential, or the
// user part when the password is empty (a token).
func maskBasic(val []byte) {
	sp := bytes.IndexByte(val, ' ')
	if sp <= 0 || !bytes.EqualFold(val[:sp], []byte("Basic")) {
		return
	}
	// The credential runs from the first non-blank after the scheme to the
	// end of the (trimmed) value, without its padding.
	rest := val[sp+1:]
	rest = rest[len(rest)-len(bytes.TrimLeft(rest, " \t")):]
	rest = bytes.TrimRight(rest, "=")
	dec, err := base64.RawStdEncoding.DecodeString(string(rest))
	if err != nil {
		return
	}
	colon := bytes.IndexByte(dec, ':')
	switch {
	case colon < 0:
		return
	case colon < len(dec)-1:
		maskBytes(dec[colon+1:])
	default:
		maskBytes(dec[:colon])
	}
	enc := base64.RawStdEncoding.EncodeToString(dec)
	if len(enc) == len(rest) {
		copy(rest, enc)
	}
}

// maskBytes replaces every byte with a letter other than it.
func maskBytes(b []byte) {
	for i, c := range b {
		if c == 'x' {
			b[i] = 'y'
		} else {
			b[i] = 'x'
		}
	}
}
