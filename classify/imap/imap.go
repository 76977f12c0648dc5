package imap

import (
	"bytes"
	"fmt"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/starttls"
)

// maxCommands bounds the client lines walked per flow.
const maxCommands = 256

// Detect recognises an IMAP session: an untagged greeting ("* OK",
// "* PREAUTH", "* BYE") and a tagged first command from the client — or,
// before the client spoke, a greeting that names IMAP.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.MidStream || in.Transport == 17 {
		return false
	}
	g, _, ok := starttls.Line(in.S2C)
	if !ok || !greeting(g) {
		return false
	}
	ln, _, ok := starttls.Line(in.C2S)
	switch {
	case ok:
		if _, _, ok := tagged(ln); !ok {
			return false
		}
	case len(in.C2S) > 0:
		return false
	default:
		if !starttls.ContainsFold(g, "IMAP") {
			return false
		}
	}
	v.Protocol = "imap"
	walk(in.C2S, in.S2C, v)
	return true
}

func greeting(g []byte) bool {
	for _, w := range []string{"* OK", "* PREAUTH", "* BYE"} {
		if len(g) >= len(w) && bytes.EqualFold(g[:len(w)], []byte(w)) {
			return starttls.Text(g)
		}
	}
	return false
}

// tagged splits a client command line into its tag and the command after
// it. The tag is 1-32 atom characters.
func tagged(ln []byte) (tag, cmd []byte, ok bool) {
	i := bytes.IndexByte(ln, ' ')
	if i < 1 || i > 32 || !starttls.Text(ln) {
		return nil, nil, false
	}
	for _, c := range ln[:i] {
		if c <= ' ' || c == '(' || c == ')' || c == '{' || c == '*' || c == '%' || c == '"' || c == '\\' || c == '+' {
			return nil, nil, false
		}
	}
	cmd = ln[i+1:]
	if len(cmd) == 0 || !isLetter(cmd[0]) {
		return nil, nil, false
	}
	return ln[:i], cmd, true
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// status finds the server's tagged answer to tag in s and returns its
// status word ("OK", "NO", "BAD") and the bytes after its line.
func status(s, tag []byte) (word string, rest []byte, ok bool) {
	for {
		ln, r, ok := starttls.Line(s)
		if !ok {
			return "", nil, false
		}
		s = r
		if len(ln) > len(tag) && ln[len(tag)] == ' ' && bytes.Equal(ln[:len(tag)], tag) {
			st := ln[len(tag)+1:]
			for _, w := range []string{"OK", "NO", "BAD"} {
				if _, ok := starttls.Verb(st, w); ok {
					return w, s, true
				}
			}
			return "", nil, false
		}
	}
}

// walk follows the client's commands up to STARTTLS. Server lines are
// matched by tag, so untagged data in between needs no parsing.
func walk(c, s []byte, v *detect.Verdict) {
	for range maxCommands {
		ln, rest, ok := starttls.Line(c)
		if !ok {
			return
		}
		// A literal's bytes are data, never a command: a password sent
		// as one may read like a tagged line.
		c = skipLiterals(ln, rest)
		tag, cmd, ok := tagged(ln)
		if !ok {
			continue // a SASL response
		}
		// Answers come in command order (a client waits for the tagged
		// answer before STARTTLS and LOGIN), so each search starts after
		// the previous answer: tags may repeat (openssl s_client uses ".").
		word, srest, have := status(s, tag)
		if have {
			s = srest
		}
		if _, ok := starttls.Verb(cmd, "STARTTLS"); ok {
			switch {
			case have && word == "OK":
				starttls.Accepted(v, "STARTTLS", c, s)
			case have:
				starttls.Refused(v, "STARTTLS", "tagged "+word)
			case starttls.StartsTLS(c):
				starttls.Accepted(v, "STARTTLS", c, nil)
			}
			return
		}
		if arg, ok := starttls.Verb(cmd, "AUTHENTICATE"); ok {
			authenticate(arg, c, have && word == "NO", v)
			continue
		}
		if arg, ok := starttls.Verb(cmd, "LOGIN"); ok {
			user := firstString(arg)
			if user == "" {
				user = literalUser(arg, rest)
			}
			v.User = user
			f := detect.Finding{
				Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
				Message:  "IMAP password sent in clear (LOGIN)",
				User:     user,
				Protocol: "imap LOGIN",
			}
			if user != "" {
				f.Message += " for user " + user
			}
			v.Add(f)
			if have && word == "NO" {
				v.Add(detect.Finding{
					Kind: detect.KindAuthFailure, Severity: detect.SevMedium,
					Message:  fmt.Sprintf("IMAP login failed (NO after LOGIN) for user %s", user),
					User:     user,
					Protocol: "imap LOGIN",
				})
			}
		}
	}
}

// authenticate reports an AUTHENTICATE command (RFC 9051 §6.2.2) whose
// mechanism sends the password (PLAIN, LOGIN) with the user its first
// response names: the initial response (RFC 4959) or the client's next
// line. c holds the client bytes after the command; refused says the
// server answered NO.
func authenticate(arg, c []byte, refused bool, v *detect.Verdict) {
	mech, first, _ := bytes.Cut(arg, []byte(" "))
	plain, login := bytes.EqualFold(mech, []byte("PLAIN")), bytes.EqualFold(mech, []byte("LOGIN"))
	if !plain && !login {
		return // challenge-response mechanisms send no password
	}
	if len(first) == 0 || bytes.Equal(first, []byte("=")) {
		ln, _, ok := starttls.Line(c)
		if !ok || bytes.Equal(ln, []byte("*")) {
			return // not sent yet, or cancelled (RFC 9051 §6.2.2)
		}
		if _, _, ok := tagged(ln); ok {
			return // the next command: no response was sent
		}
		first = ln
	}
	user := ""
	if plain {
		user = starttls.PlainUser(first)
	} else {
		user = starttls.LoginUser(first)
	}
	m := string(bytes.ToUpper(mech))
	starttls.SASLPassword(v, "IMAP AUTHENTICATE "+m, "imap AUTHENTICATE", m, user)
	if refused {
		v.Add(detect.Finding{
			Kind: detect.KindAuthFailure, Severity: detect.SevMedium,
			Message:  fmt.Sprintf("IMAP login failed (NO after AUTHENTICATE) for user %s", user),
			User:     user,
			Protocol: "imap AUTHENTICATE",
		})
	}
}

// maxLiteralDigits bounds the length count of a literal: ten digits hold
// every count of RFC 9051's number (32 bits) without overflow.
const maxLiteralDigits = 10

// literal reads the literal announcement a line ends in: "{N}" (RFC 3501
// §4.3), "{N+}" (non-synchronising, RFC 7888) or "~{N}" (RFC 3516). It
// returns N.
func literal(ln []byte) (n int, ok bool) {
	if len(ln) < 3 || ln[len(ln)-1] != '}' {
		return 0, false
	}
	d := ln[:len(ln)-1]
	if d[len(d)-1] == '+' {
		d = d[:len(d)-1]
	}
	i := bytes.LastIndexByte(d, '{')
	if i < 0 || i == len(d)-1 || len(d)-1-i > maxLiteralDigits {
		return 0, false
	}
	for _, c := range d[i+1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// skipLiterals returns the client bytes after the command whose first line
// is ln (rest follows it): while a line of the command ends in a literal
// announcement, the literal's bytes and the line that goes on after them
// belong to the command. nil when the head ends inside the command.
func skipLiterals(ln, rest []byte) []byte {
	for range maxCommands {
		n, ok := literal(ln)
		if !ok {
			return rest
		}
		if n > len(rest) {
			return nil
		}
		if ln, rest, ok = starttls.Line(rest[n:]); !ok {
			return nil
		}
	}
	return nil
}

// maxUser bounds a user ID read from a literal.
const maxUser = 64

// literalUser returns the user ID of a LOGIN whose first argument is a
// literal: arg is the command's first line after LOGIN, "{N}" or "{N+}"
// alone, and rest the client bytes after that line, the literal's N bytes
// first. "" when the literal is longer than a user ID, cut or no text.
func literalUser(arg, rest []byte) string {
	if len(arg) == 0 || arg[0] != '{' {
		return ""
	}
	n, ok := literal(arg)
	if !ok || n == 0 || n > maxUser || n > len(rest) || !starttls.Text(rest[:n]) {
		return ""
	}
	return string(rest[:n])
}

// firstString returns the first argument of a command: an atom or a quoted
// string (backslash escapes resolved). A literal gives "".
func firstString(arg []byte) string {
	if len(arg) == 0 {
		return ""
	}
	if arg[0] == '"' {
		var out []byte
		for i := 1; i < len(arg) && i < 130; i++ {
			switch arg[i] {
			case '\\':
				i++
				if i < len(arg) {
					out = append(out, arg[i])
				}
			case '"':
				return string(out)
			default:
				out = append(out, arg[i])
			}
		}
		return ""
	}
	if arg[0] == '{' {
		return ""
	}
	a, _, _ := bytes.Cut(arg, []byte(" "))
	if len(a) > 128 {
		return ""
	}
	return string(a)
}

// Reject reports that no more bytes can make Detect match: a capture that
// starts mid-session, UDP, a server that does not open with an untagged
// greeting, or a first client line that is no tagged command.
func Reject(in *detect.Input) bool {
	if in.MidStream || in.Transport == 17 {
		return true
	}
	if len(in.S2C) > 0 && in.S2C[0] != '*' {
		return true
	}
	if g, _, ok := starttls.Line(in.S2C); ok && !greeting(g) {
		return true
	}
	if ln, _, ok := starttls.Line(in.C2S); ok {
		if _, _, ok := tagged(ln); !ok {
			return true
		}
	}
	return false
}
