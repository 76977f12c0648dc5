package drda

import (
	"strings"
	"unicode/utf8"

	"github.com/ibmitap/ibmitap/classify/ebcdic"
)

// decodeUser decodes a USRID. IBM clients send EBCDIC (IBM i: 10 bytes,
// blank padded); Derby's client sends UTF-8 once EXCSAT negotiated
// UNICODEMGR 1208. The hint picks the first guess, the bytes decide: an
// EBCDIC name has no bytes below 0x40, an ASCII one almost none above 0x7A.
func decodeUser(b []byte, utf8Hint bool) string {
	if utf8Hint {
		if u, ok := decodeUTF8(b); ok {
			return u
		}
		if u, ok := ebcdic.DecodeName(b); ok {
			return u
		}
	} else {
		if u, ok := ebcdic.DecodeName(b); ok {
			return u
		}
		if u, ok := decodeUTF8(b); ok {
			return u
		}
	}
	if utf8Hint {
		return strings.Map(printable, strings.ToValidUTF8(string(b), "."))
	}
	return strings.TrimRight(ebcdic.Decode(b), " .")
}

// decodeUTF8 accepts printable UTF-8 text, trailing blanks and NULs removed.
func decodeUTF8(b []byte) (string, bool) {
	t := strings.TrimRight(string(b), " \x00")
	if t == "" || !utf8.ValidString(t) {
		return "", false
	}
	for _, r := range t {
		if printable(r) != r {
			return "", false
		}
	}
	return t, true
}

// printable maps control characters to '.'.
func printable(r rune) rune {
	if r < 0x20 || (r >= 0x7F && r < 0xA0) {
		return '.'
	}
	return r
}
