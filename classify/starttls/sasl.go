package starttls

import (
	"bytes"
	"encoding/base64"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// maxSASL bounds a decoded SASL response the user is read from: an RFC 4616
// PLAIN message of two 255-byte identities and a 255-byte password.
const maxSASL = 768

// PlainUser returns the authentication identity of a SASL PLAIN response
// (RFC 4616: authzid NUL authcid NUL passwd, in base64), or "" when the
// response is no such message or the identity is no printable text. The
// password is decoded into a stack buffer and never leaves it.
func PlainUser(resp []byte) string {
	var buf [maxSASL]byte
	b, ok := decode(resp, buf[:])
	if !ok {
		return ""
	}
	_, rest, ok := bytes.Cut(b, []byte{0})
	if !ok {
		return ""
	}
	authc, _, ok := bytes.Cut(rest, []byte{0})
	if !ok || !printable(authc) {
		return ""
	}
	return string(authc)
}

// LoginUser returns the user name a SASL LOGIN exchange sends first (in
// base64), or "" when it is no printable text.
func LoginUser(resp []byte) string {
	var buf [maxSASL]byte
	b, ok := decode(resp, buf[:])
	if !ok || !printable(b) {
		return ""
	}
	return string(b)
}

// decode decodes the base64 of a SASL response into buf.
func decode(resp []byte, buf []byte) ([]byte, bool) {
	resp = bytes.TrimSpace(resp)
	if base64.StdEncoding.DecodedLen(len(resp)) > len(buf) {
		return nil, false
	}
	n, err := base64.StdEncoding.Decode(buf, resp)
	if err != nil {
		return nil, false
	}
	return buf[:n], true
}

// printable reports whether b is a user ID a finding can show: 1-256
// graphic ASCII bytes.
func printable(b []byte) bool {
	if len(b) == 0 || len(b) > 256 {
		return false
	}
	for _, c := range b {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// SASLPassword records a SASL mechanism that sends the password in clear
// (PLAIN, LOGIN) outside TLS. proto names the command ("pop3 AUTH"), what
// the protocol's name for it in the message ("POP3 AUTH"); user may be "".
// The verdict's user becomes user when it is known.
func SASLPassword(v *detect.Verdict, what, proto, mech, user string) {
	f := detect.Finding{
		Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
		Message:   what + " password sent in clear",
		Protocol:  proto,
		Mechanism: mech,
		User:      user,
	}
	if user != "" {
		f.Message += " for user " + user
		v.User = user
	}
	v.Add(f)
}
