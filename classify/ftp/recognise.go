package ftp

import (
	"bytes"
)

// recognise decides from the start of a connection: a greeting reply from
// the server and/or a known command from the client. greeted says the server
// head starts with the greeting.
//
// POP3 shares USER and PASS and SMTP shares AUTH, so off port 21 a client
// that opens with USER needs the greeting or the 331 that asks for the
// password, and an opening AUTH must ask for an FTP security mechanism.
func recognise(c2s, s2c []byte, port uint16) (ok, greeted bool) {
	if pop3Reply(s2c) {
		return false, false
	}
	greeting, asksPass := false, false
	if len(s2c) > 0 {
		if len(s2c) < 4 {
			return false, false
		}
		code, _, ok := replyCode(s2c[:4])
		switch {
		case !ok:
			return false, false
		case code == 220 || code == 120 || code == 421:
			greeting = true
		case code == 331:
			asksPass = true // the greeting was missed, the USER reply is there
		default:
			return false, false
		}
	}
	ln, _, ok := line(c2s)
	if ok {
		verb, arg, ok := command(ln)
		if !ok || verb == "" {
			return false, false // EHLO/HELO (SMTP) and anything else that is no FTP command
		}
		switch {
		case verb == "AUTH" && port != 21 && !authMechanism(arg):
			return false, false // SMTP's AUTH PLAIN, AUTH LOGIN ...
		case asksPass:
			return verb == "USER", false
		case greeting || port == 21:
			return true, greeting
		}
		return verb == "AUTH", false // USER needs the greeting or a 331 (POP3 has USER)
	}
	if len(c2s) > maxLine || !greeting {
		return false, false
	}
	// Only the greeting so far: SMTP greets with 220 too, so ask for FTP
	// in its text or the FTP port.
	g, _, ok := line(s2c)
	if !ok {
		g = s2c
	}
	if containsFold(g, "smtp") {
		return false, false // "220 ftp.example.com ESMTP Postfix": a mail host named ftp
	}
	return port == 21 || containsFold(g, "ftp") || bytes.Contains(g, []byte("QTCP at")), true
}

// recogniseMid decides for a flow captured mid-session: a known command
// line from the client, and a reply line (when there is one) from the
// server. Off port 21 the reply must fit the command: SMTP answers AUTH with
// 235, FTP never does.
func recogniseMid(c2s, s2c []byte, port uint16) bool {
	if pop3Reply(s2c) {
		return false
	}
	ln, _, ok := line(c2s)
	if !ok {
		return false
	}
	verb, arg, ok := command(ln)
	if !ok || verb == "" {
		return false
	}
	r, _, ok := line(s2c)
	if ok {
		code, _, ok := replyCode(r)
		if !ok {
			return false
		}
		// On 21 the first reply may answer a command sent before the
		// capture started, so only other ports ask for the fit.
		if port != 21 && !fits(verb, arg, code) {
			return false
		}
	}
	// Without a reply line only the FTP port vouches for a command that
	// other protocols share (POP3 has USER and PASS too).
	return port == 21 || ok && verb != "other"
}

// fits reports whether reply code could answer the command (RFC 959 §5.4,
// RFC 2228, RFC 4217); errors (4xx, 5xx) fit any command.
func fits(verb string, arg []byte, code int) bool {
	if verb == "AUTH" && !authMechanism(arg) {
		return false
	}
	if code >= 400 && code < 600 {
		return true
	}
	switch verb {
	case "USER":
		return code == 230 || code == 232 || code == 331 || code == 332 || code == 336
	case "PASS":
		return code == 230 || code == 202 || code == 332
	case "AUTH":
		return code == 234 || code == 334
	case "PORT", "EPRT":
		return code == 200
	case "RCMD", "SITE":
		return code == 200 || code == 202 || code == 214 || code == 250
	}
	return true
}

// authMechanism reports whether an AUTH argument names an FTP security
// mechanism (RFC 2228, RFC 4217): TLS and its old spellings, GSSAPI,
// KERBEROS_V4.
func authMechanism(arg []byte) bool {
	if tlsMechanism(arg) {
		return true
	}
	arg = bytes.TrimSpace(arg)
	return bytes.EqualFold(arg, []byte("GSSAPI")) || bytes.EqualFold(arg, []byte("KERBEROS_V4"))
}

// pop3Reply reports whether one of the first lines of a server head is a
// POP3 status ("+OK", "-ERR"), which no FTP server sends.
func pop3Reply(s2c []byte) bool {
	for range 4 {
		if bytes.HasPrefix(s2c, []byte("+OK")) || bytes.HasPrefix(s2c, []byte("-ERR")) {
			return true
		}
		_, rest, ok := line(s2c)
		if !ok {
			return false
		}
		s2c = rest
	}
	return false
}

// resync drops a partial first line of a stream captured mid-session,
// unless the stream already starts with a command (client) or reply
// (server).
func resync(b []byte, client bool) []byte {
	ln, rest, ok := line(b)
	if !ok {
		return b
	}
	if client {
		if v, _, ok := command(ln); ok && v != "" {
			return b
		}
	} else if _, _, ok := replyCode(ln); ok {
		return b
	}
	return rest
}
