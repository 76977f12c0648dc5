package ebcdic

import "strings"

// Decode converts CCSID 37 bytes to a string. Control characters become '.'
// so the result is always printable.
func Decode(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		r := cp037[c]
		if r < 0x20 || (r >= 0x7F && r < 0xA0) {
			r = '.'
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// DecodeName decodes a blank-padded user or object name: trailing EBCDIC
// blanks (0x40) and NULs are dropped. ok is false when a byte is not a
// character that may appear in an IBM i name or user ID, which tells EBCDIC
// from ASCII or binary bytes.
func DecodeName(b []byte) (string, bool) {
	end := len(b)
	for end > 0 && (b[end-1] == 0x40 || b[end-1] == 0x00) {
		end--
	}
	if end == 0 {
		return "", false
	}
	for _, c := range b[:end] {
		if !nameByte(c) {
			return "", false
		}
	}
	return Decode(b[:end]), true
}

// nameByte reports whether c is an EBCDIC letter, digit or one of the
// characters IBM i allows in names ($ # @ _ . -).
func nameByte(c byte) bool {
	switch {
	case c >= 0x81 && c <= 0x89, c >= 0x91 && c <= 0x99, c >= 0xA2 && c <= 0xA9: // a-z
		return true
	case c >= 0xC1 && c <= 0xC9, c >= 0xD1 && c <= 0xD9, c >= 0xE2 && c <= 0xE9: // A-Z
		return true
	case c >= 0xF0 && c <= 0xF9: // 0-9
		return true
	case c == 0x5B || c == 0x7B || c == 0x7C || c == 0x6D || c == 0x4B || c == 0x60: // $ # @ _ . -
		return true
	}
	return false
}
