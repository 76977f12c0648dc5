package pgsql

import (
	"bytes"
	"encoding/binary"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/starttls"
)

// Request codes of the protocol's special startup packets: an 8-byte
// message (length 8, then the code).
const (
	sslRequest    = 80877103 // 1234 << 16 | 5679
	gssencRequest = 80877104 // 1234 << 16 | 5680
	protocol3     = 196608   // 3.0 in a StartupMessage
	maxStartup    = 10000    // the server's own limit on a startup packet
)

// Detect recognises a PostgreSQL session from the client's first packet.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.MidStream || in.Transport == 17 {
		return false
	}
	c, s := in.C2S, in.S2C
	if len(c) < 8 {
		return false
	}
	n := binary.BigEndian.Uint32(c)
	code := binary.BigEndian.Uint32(c[4:])
	switch {
	case n == 8 && code == sslRequest:
		v.Protocol = "postgresql"
		if len(s) == 0 {
			if starttls.StartsTLS(c[8:]) {
				starttls.Accepted(v, "SSLRequest", c[8:], nil)
			}
			return true
		}
		switch s[0] {
		case 'S':
			starttls.Accepted(v, "SSLRequest", c[8:], s[1:])
		case 'N':
			starttls.Refused(v, "SSLRequest", "N")
			startup(c[8:], s[1:], v)
		case 'E':
			starttls.Refused(v, "SSLRequest", "error")
		default:
			v.Protocol = ""
			return false
		}
		return true
	case n == 8 && code == gssencRequest:
		v.Protocol = "postgresql"
		if len(s) > 0 && s[0] == 'N' {
			// No GSS encryption: the client may go on with an SSLRequest.
			sub := *in
			sub.C2S, sub.S2C = c[8:], s[1:]
			var w detect.Verdict
			if len(sub.C2S) >= 8 && Detect(&sub, &w) {
				*v = w
			}
		}
		return true
	case n >= 8 && n <= maxStartup && code == protocol3:
		if !params(c[8:min(len(c), int(n))], int(n) <= len(c)) {
			return false
		}
		v.Protocol = "postgresql"
		startup(c, s, v)
		return true
	}
	return false
}

// params reports whether b (the body of a StartupMessage after the
// version) is a list of NUL-terminated names and values whose first name
// is a parameter of the protocol. whole says b holds the whole message.
func params(b []byte, whole bool) bool {
	i := bytes.IndexByte(b, 0)
	if i < 1 {
		return false
	}
	switch string(b[:i]) {
	case "user", "database", "options", "replication", "application_name", "client_encoding", "DateStyle", "TimeZone", "extra_float_digits", "search_path":
	default:
		if !bytes.HasPrefix(b, []byte("_pq_.")) {
			return false
		}
	}
	return !whole || b[len(b)-1] == 0
}

// startup reads a StartupMessage at the start of c for its user, and the
// server's first authentication request in s: a cleartext password request
// answered by the client is a finding, and so is an MD5 request answered
// (the salt and the answer give an offline guess). SCRAM-SHA-256 is
// built to resist exactly that guess from a passive copy, and is left
// alone.
func startup(c, s []byte, v *detect.Verdict) {
	if len(c) < 8 || binary.BigEndian.Uint32(c[4:]) != protocol3 {
		return
	}
	n := int(binary.BigEndian.Uint32(c))
	if n < 8 || n > maxStartup || n > len(c) {
		return
	}
	body := c[8:n]
	for len(body) > 1 {
		k := bytes.IndexByte(body, 0)
		if k < 0 {
			return
		}
		name := body[:k]
		body = body[k+1:]
		e := bytes.IndexByte(body, 0)
		if e < 0 {
			return
		}
		if string(name) == "user" && e <= 64 {
			v.User = string(body[:e])
		}
		body = body[e+1:]
	}
	// The server's first authentication request ('R'), and the client's
	// PasswordMessage ('p') after the StartupMessage.
	if len(s) < 9 || s[0] != 'R' {
		return
	}
	rest := c[n:]
	if len(rest) < 5 || rest[0] != 'p' {
		return
	}
	switch ln, code := binary.BigEndian.Uint32(s[1:]), binary.BigEndian.Uint32(s[5:]); {
	case ln == 8 && code == 3:
		// AuthenticationCleartextPassword: the message is the password.
		f := detect.Finding{
			Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
			Message:  "PostgreSQL password sent in clear (password authentication)",
			User:     v.User,
			Protocol: "postgresql PasswordMessage",
		}
		if v.User != "" {
			f.Message += " for user " + v.User
		}
		v.Add(f)
	case ln == 12 && code == 5 && len(s) >= 13 && md5Response(rest):
		// AuthenticationMD5Password with its 4-byte salt: the answer
		// is md5(md5(password + user) + salt) in hex, and with the salt
		// in view a dictionary can be tried against it offline.
		f := detect.Finding{
			Kind: detect.KindPasswordHashExposed, Severity: detect.SevHigh,
			Message:   "PostgreSQL MD5 password response and its salt visible: the password can be guessed offline",
			User:      v.User,
			Protocol:  "postgresql PasswordMessage",
			Mechanism: "MD5",
			Length:    3 + 32, // the answer's, fixed by the mechanism
		}
		if v.User != "" {
			f.Message += " (user " + v.User + ")"
		}
		v.Add(f)
	}
}

// md5Response reports whether p starts with a PasswordMessage holding an
// MD5 answer: "md5", 32 hex digits and the NUL.
func md5Response(p []byte) bool {
	const n = 4 + 3 + 32 + 1
	if len(p) < 1+n || binary.BigEndian.Uint32(p[1:]) != n {
		return false
	}
	b := p[5 : 1+n]
	if !bytes.HasPrefix(b, []byte("md5")) || b[len(b)-1] != 0 {
		return false
	}
	for _, c := range b[3 : len(b)-1] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Reject reports that no more bytes can make Detect match: a capture that
// starts mid-session, UDP, or a client whose first 8 bytes are no
// SSLRequest, GSSENCRequest or protocol 3.0 StartupMessage.
func Reject(in *detect.Input) bool {
	if in.MidStream || in.Transport == 17 {
		return true
	}
	c := in.C2S
	if len(c) < 8 {
		return len(c) >= 1 && c[0] != 0 // a length below 16 MiB starts with 0
	}
	n := binary.BigEndian.Uint32(c)
	code := binary.BigEndian.Uint32(c[4:])
	switch {
	case n == 8 && (code == sslRequest || code == gssencRequest):
		return false
	case n > 8 && n <= maxStartup && code == protocol3:
		return false
	}
	return true
}
