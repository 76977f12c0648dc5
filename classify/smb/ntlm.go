package smb

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// ntlmSignature opens every NTLMSSP message ([MS-NLMP] §2.2.1).
var ntlmSignature = []byte("NTLMSSP\x00")

// NTLM message types.
const (
	ntlmNegotiate    = 1
	ntlmChallenge    = 2
	ntlmAuthenticate = 3
)

// ntlmUnicode is NTLMSSP_NEGOTIATE_UNICODE: strings are UTF-16LE.
const ntlmUnicode = 0x00000001

// Auth is what an NTLM AUTHENTICATE message (or an SMB1 session setup
// without extended security) tells about a logon. It holds the lengths of the
// challenge responses, never their bytes.
type Auth struct {
	User, Domain string
	LMLen, NTLen int
}

// Mechanism names the password verifier the responses form: "NTLMv1" for a
// 24-byte NT (or, without it, LM) response, "NTLMv2" for a longer NT
// response, "" for an anonymous logon.
func (a Auth) Mechanism() string {
	switch {
	case a.NTLen > 24:
		return "NTLMv2"
	case a.NTLen == 24, a.NTLen == 0 && a.LMLen == 24:
		return "NTLMv1"
	}
	return ""
}

// Account is DOMAIN\user, or the user alone when no domain was sent.
func (a Auth) Account() string {
	if a.Domain == "" {
		return a.User
	}
	return a.Domain + `\` + a.User
}

// ParseNTLM finds the first NTLMSSP message in b and returns its type and,
// for an AUTHENTICATE message, what it tells. SMB and HTTP carry the message
// raw or wrapped in SPNEGO; its offsets are relative to the signature, so
// searching for the signature handles both. ok is false when no message
// header is present.
func ParseNTLM(b []byte) (typ int, a Auth, ok bool) {
	i := bytes.Index(b, ntlmSignature)
	if i < 0 || len(b)-i < 12 {
		return 0, Auth{}, false
	}
	m := b[i:]
	typ = int(binary.LittleEndian.Uint32(m[8:12]))
	if typ < ntlmNegotiate || typ > ntlmAuthenticate {
		return 0, Auth{}, false
	}
	if typ != ntlmAuthenticate {
		// A CHALLENGE counts only when its 8-byte server challenge is there.
		if typ == ntlmChallenge && len(m) < 32 {
			return 0, Auth{}, false
		}
		return typ, Auth{}, true
	}
	if len(m) < 64 {
		return 0, Auth{}, false
	}
	flags := binary.LittleEndian.Uint32(m[60:64])
	a.LMLen = int(binary.LittleEndian.Uint16(m[12:14]))
	a.NTLen = int(binary.LittleEndian.Uint16(m[20:22]))
	a.Domain = ntlmString(m, 28, flags)
	a.User = ntlmString(m, 36, flags)
	return typ, a, true
}

// ntlmString reads the string a security-buffer descriptor (len, maxlen,
// offset) at off points to; "" when it lies outside m or is not text.
func ntlmString(m []byte, off int, flags uint32) string {
	n := int(binary.LittleEndian.Uint16(m[off : off+2]))
	start := int(binary.LittleEndian.Uint32(m[off+4 : off+8]))
	if n == 0 || n > 512 || start < 0 || start > len(m) || n > len(m)-start {
		return ""
	}
	s := m[start : start+n]
	if flags&ntlmUnicode != 0 {
		return utf16String(s)
	}
	return oemString(s)
}

// utf16String decodes UTF-16LE text; "" when it holds control characters.
func utf16String(b []byte) string {
	if len(b)%2 != 0 {
		return ""
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	s := string(utf16.Decode(u))
	if !printable(s) {
		return ""
	}
	return s
}

// oemString decodes an OEM (ASCII) string, cut at a NUL.
func oemString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	var sb strings.Builder
	for _, c := range b {
		if c < 0x20 || c == 0x7F {
			return ""
		}
		sb.WriteRune(rune(c)) // Latin-1: every byte is a rune
	}
	return sb.String()
}

// printable reports whether s has no control characters.
func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) || r == 0xFFFD {
			return false
		}
	}
	return true
}
