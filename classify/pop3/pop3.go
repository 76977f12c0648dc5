package pop3

import (
	"bytes"
	"fmt"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/starttls"
)

// maxCommands bounds the client lines walked per flow.
const maxCommands = 256

// Detect recognises a POP3 session: a "+OK" greeting and a first client
// command of POP3 — or, before the client spoke, a greeting on port 110.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.MidStream || in.Transport == 17 {
		return false
	}
	g, s, ok := starttls.Line(in.S2C)
	if !ok || !bytes.HasPrefix(g, []byte("+OK")) || !starttls.Text(g) {
		return false
	}
	ln, _, ok := starttls.Line(in.C2S)
	switch {
	case ok:
		if !command(ln) {
			return false
		}
	case len(in.C2S) > 0 || in.ServerPort != 110:
		return false
	}
	v.Protocol = "pop3"
	walk(in.C2S, s, timestamp(g), v)
	return true
}

// command reports whether ln starts with a command a POP3 client opens with.
func command(ln []byte) bool {
	for _, w := range []string{"CAPA", "USER", "APOP", "STLS", "AUTH", "QUIT"} {
		if _, ok := starttls.Verb(ln, w); ok {
			return true
		}
	}
	return false
}

// multiLine reports whether a positive answer to ln is a multi-line block
// ending in ".": CAPA, RETR, TOP, and LIST and UIDL without an argument.
func multiLine(ln []byte) bool {
	for _, w := range []string{"CAPA", "RETR", "TOP"} {
		if _, ok := starttls.Verb(ln, w); ok {
			return true
		}
	}
	for _, w := range []string{"LIST", "UIDL"} {
		if arg, ok := starttls.Verb(ln, w); ok && len(bytes.TrimSpace(arg)) == 0 {
			return true
		}
	}
	return false
}

// reply reads one status line and, for a positive answer to a multi-line
// command, its block.
func reply(s []byte, multi bool) (ok bool, status string, rest []byte, have bool) {
	ln, rest, have := starttls.Line(s)
	if !have {
		return false, "", nil, false
	}
	switch {
	case bytes.HasPrefix(ln, []byte("+OK")):
		ok, status = true, "+OK"
	case bytes.HasPrefix(ln, []byte("-ERR")):
		status = "-ERR"
	case bytes.HasPrefix(ln, []byte("+ ")) || bytes.Equal(ln, []byte("+")):
		status = "+" // SASL continuation
	default:
		return false, "", nil, false
	}
	if ok && multi {
		r, done := starttls.SkipDotBlock(rest)
		if !done {
			return false, "", nil, false
		}
		rest = r
	}
	return ok, status, rest, true
}

// timestamp reports whether greeting g carries an APOP timestamp: a
// msg-id in angle brackets (RFC 1939 §7), the challenge of APOP.
func timestamp(g []byte) bool {
	for {
		i := bytes.IndexByte(g, '<')
		if i < 0 {
			return false
		}
		g = g[i:]
		j := bytes.IndexByte(g, '>')
		if j < 0 {
			return false
		}
		if bytes.IndexByte(g[:j], '@') > 1 {
			return true
		}
		g = g[1:] // other text in angle brackets: look further
	}
}

// apop reads the arguments of an APOP command: the user and an MD5 digest
// in 32 hex digits.
func apop(arg []byte) (user string, ok bool) {
	name, digest, _ := bytes.Cut(arg, []byte(" "))
	digest = bytes.TrimSpace(digest)
	if len(name) == 0 || len(name) > 64 || !starttls.Text(name) || len(digest) != 32 {
		return "", false
	}
	for _, c := range digest {
		if !('0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f') {
			return "", false
		}
	}
	return string(name), true
}

// walk pairs the client's commands with the server's replies up to STLS.
// stamp says the greeting carried an APOP timestamp.
func walk(c, s []byte, stamp bool, v *detect.Verdict) {
	user := ""
	for range maxCommands {
		ln, rest, ok := starttls.Line(c)
		if !ok {
			return
		}
		c = rest
		good, status, srest, have := reply(s, multiLine(ln))
		if have {
			s = srest
		}
		if _, ok := starttls.Verb(ln, "STLS"); ok {
			switch {
			case have && good:
				starttls.Accepted(v, "STLS", c, s)
			case have:
				starttls.Refused(v, "STLS", status)
			case starttls.StartsTLS(c):
				starttls.Accepted(v, "STLS", c, nil)
			}
			return
		}
		if arg, ok := starttls.Verb(ln, "USER"); ok {
			user = string(bytes.TrimSpace(arg))
			if len(user) > 64 || !starttls.Text([]byte(user)) {
				user = ""
			}
			v.User = user
			continue
		}
		if arg, ok := starttls.Verb(ln, "APOP"); ok {
			if u, ok := apop(arg); ok && stamp {
				// MD5(timestamp + password) beside the timestamp: a
				// dictionary can be tried against it offline.
				user, v.User = u, u
				v.Add(detect.Finding{
					Kind: detect.KindPasswordHashExposed, Severity: detect.SevHigh,
					Message:   "POP3 APOP digest and its timestamp visible: the password can be guessed offline (user " + u + ")",
					User:      u,
					Protocol:  "pop3 APOP",
					Mechanism: "MD5",
					Length:    32, // the digest's hex, fixed by the mechanism
				})
			}
			continue
		}
		if _, ok := starttls.Verb(ln, "PASS"); ok {
			clear(v, user, "pop3 PASS", "")
			if have && !good {
				failed(v, user)
			}
			continue
		}
		if arg, ok := starttls.Verb(ln, "AUTH"); ok {
			c, s = auth(arg, c, s, status, have, v)
		}
	}
}

// auth follows an AUTH command whose reply (status, have) was read
// (starttls.SASL: its client lines are never read as commands), and
// reports PLAIN and LOGIN (RFC 5034) with the user they name. It returns
// the streams after the exchange.
func auth(arg, c, s []byte, status string, have bool, v *detect.Verdict) ([]byte, []byte) {
	mech, first, _ := bytes.Cut(arg, []byte(" "))
	c, user, pw := starttls.SASL(mech, first, c, status == "+", have, func() (bool, bool) {
		_, st, rest, ok := reply(s, false)
		if !ok {
			return false, false
		}
		s = rest
		return st == "+", true
	})
	if pw {
		starttls.SASLPassword(v, "POP3 AUTH", "pop3 AUTH", string(bytes.ToUpper(mech)), user)
	}
	return c, s
}

// clear reports a password sent in clear, once per flow.
func clear(v *detect.Verdict, user, proto, mech string) {
	for i := range v.Findings {
		if v.Findings[i].Kind == detect.KindCleartextPassword {
			v.Findings[i].Count++
			return
		}
	}
	f := detect.Finding{
		Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
		Message:  "POP3 password sent in clear",
		User:     user,
		Protocol: proto, Mechanism: mech,
		Count: 1,
	}
	if user != "" {
		f.Message += fmt.Sprintf(" (PASS) for user %s", user)
	}
	v.Add(f)
}

// failed reports a login the server refused.
func failed(v *detect.Verdict, user string) {
	v.Add(detect.Finding{
		Kind: detect.KindAuthFailure, Severity: detect.SevMedium,
		Message:  fmt.Sprintf("POP3 login failed (-ERR after PASS) for user %s", user),
		User:     user,
		Protocol: "pop3 PASS",
	})
}

// Reject reports that no more bytes can make Detect match: a capture that
// starts mid-session, UDP, a server that does not open with "+OK", or a
// first client line that is no POP3 command.
func Reject(in *detect.Input) bool {
	if in.MidStream || in.Transport == 17 {
		return true
	}
	s := in.S2C
	if n := min(len(s), 3); !bytes.Equal(s[:n], []byte("+OK")[:n]) {
		return true
	}
	if ln, _, ok := starttls.Line(in.C2S); ok && !command(ln) {
		return true
	}
	return false
}
