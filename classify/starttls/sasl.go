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

// maxSASLSteps bounds the client responses of one SASL exchange.
const maxSASLSteps = 8

// SASL follows the client's side of a SASL exchange (RFC 4422) in a line
// protocol, so that its responses are never read as commands: a base64
// line can spell one (a 3-byte password "STLS", a 6-byte one "STARTTLS").
// The command named mech with the initial response first (nil or "=" when
// none); c holds the client bytes after the command. more says the
// server's answer to the command was a continuation and have that it was
// captured; next reads the server's answer to the next client line the
// same way. Without the server's answers, PLAIN's one response and LOGIN's
// two are still known. A "*" line cancels the exchange.
//
// It returns the client bytes after the exchange and, for a PLAIN or LOGIN
// response seen, the user it names and password true.
func SASL(mech, first, c []byte, more, have bool, next func() (more, have bool)) (rest []byte, user string, password bool) {
	if bytes.Equal(first, []byte("=")) {
		first = nil // an empty initial response
	}
	plain, login := bytes.EqualFold(mech, []byte("PLAIN")), bytes.EqualFold(mech, []byte("LOGIN"))
	need := 0
	switch {
	case plain:
		need = 1
	case login:
		need = 2
	}
	n := 0
	if len(first) > 0 {
		n = 1
	}
	for n < maxSASLSteps && (have && more || !have && n < need) {
		ln, r, ok := Line(c)
		if !ok {
			break
		}
		c = r
		if have {
			more, have = next()
		}
		if bytes.Equal(ln, []byte("*")) {
			return c, "", false
		}
		if n == 0 {
			first = ln
		}
		n++
	}
	switch {
	case len(first) == 0:
		return c, "", false
	case plain:
		return c, PlainUser(first), true
	case login:
		return c, LoginUser(first), true
	}
	return c, "", false // challenge-response mechanisms send no password
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
