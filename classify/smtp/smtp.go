package smtp

import (
	"bytes"
	"fmt"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/starttls"
)

// maxCommands bounds the client lines walked per flow.
const maxCommands = 256

// Detect recognises an SMTP session: the server's greeting (220, or a 421
// or 554 refusal) and the client's EHLO, HELO or LHLO — or, before the
// client spoke, a greeting that names SMTP. FTP also greets with 220, so a
// greeting alone needs the word.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.MidStream || in.Transport == 17 {
		return false
	}
	code, s, ok := starttls.Reply(in.S2C)
	if !ok || code != 220 && code != 421 && code != 554 {
		return false
	}
	ln, _, ok := starttls.Line(in.C2S)
	switch {
	case ok:
		if !hello(ln) {
			return false
		}
	case len(in.C2S) > 0:
		return false
	default:
		g, _, _ := starttls.Line(in.S2C)
		if !starttls.ContainsFold(g, "SMTP") {
			return false
		}
	}
	v.Protocol = "smtp"
	walk(in.C2S, s, v)
	return true
}

// hello reports whether ln opens an SMTP (or LMTP) session.
func hello(ln []byte) bool {
	for _, w := range []string{"EHLO", "HELO", "LHLO"} {
		if _, ok := starttls.Verb(ln, w); ok {
			return true
		}
	}
	return false
}

// walk pairs the client's commands with the server's replies (in order,
// which also holds for PIPELINING) up to STARTTLS.
func walk(c, s []byte, v *detect.Verdict) {
	for range maxCommands {
		ln, rest, ok := starttls.Line(c)
		if !ok {
			return
		}
		c = rest
		code, srest, have := starttls.Reply(s)
		if have {
			s = srest
		}
		if _, ok := starttls.Verb(ln, "STARTTLS"); ok {
			switch {
			case have && code == 220:
				starttls.Accepted(v, "STARTTLS", c, s)
			case have:
				starttls.Refused(v, "STARTTLS", fmt.Sprint(code))
			case starttls.StartsTLS(c):
				starttls.Accepted(v, "STARTTLS", c, nil)
			}
			return
		}
		if arg, ok := starttls.Verb(ln, "AUTH"); ok {
			c, s = auth(arg, c, s, code, have, v)
			continue
		}
		if _, ok := starttls.Verb(ln, "DATA"); ok && (!have || code == 354) {
			body, ok := starttls.SkipDotBlock(c)
			if !ok {
				return
			}
			c = body
			if _, srest, ok := starttls.Reply(s); ok {
				s = srest // the reply to the message
			}
		}
	}
}

// auth follows an AUTH command whose reply (code, have) was read, and
// reports a password mechanism used in clear. It returns the client and
// server streams after the exchange.
func auth(arg, c, s []byte, code int, have bool, v *detect.Verdict) ([]byte, []byte) {
	mech, initial, _ := bytes.Cut(arg, []byte(" "))
	user := ""
	switch {
	case bytes.EqualFold(mech, []byte("PLAIN")):
		resp := initial
		if len(resp) == 0 && (!have || code == 334) {
			ln, rest, ok := starttls.Line(c)
			if !ok {
				return c, s
			}
			resp, c = ln, rest
			if _, srest, ok := starttls.Reply(s); ok {
				code, s = 0, srest
			}
		}
		user = starttls.PlainUser(resp)
	case bytes.EqualFold(mech, []byte("LOGIN")):
		// 334 "Username:", the user, 334 "Password:", the password; the
		// user may come with the command already.
		u := initial
		if len(u) == 0 {
			ln, rest, ok := starttls.Line(c)
			if !ok {
				return c, s
			}
			u, c = ln, rest
			if _, srest, ok := starttls.Reply(s); ok {
				s = srest
			}
		}
		user = starttls.LoginUser(u)
		if _, rest, ok := starttls.Line(c); ok {
			c = rest // the password
			if _, srest, ok := starttls.Reply(s); ok {
				s = srest
			}
		}
	default:
		return c, s // challenge-response mechanisms send no password
	}
	starttls.SASLPassword(v, "SMTP AUTH", "smtp AUTH", string(bytes.ToUpper(mech)), user)
	return c, s
}

// Reject reports that no more bytes can make Detect match: a capture that
// starts mid-session, UDP, a first server line that is no greeting, or a
// first client line that is no hello.
func Reject(in *detect.Input) bool {
	if in.MidStream || in.Transport == 17 {
		return true
	}
	if starttls.CannotStart(in.S2C, "220", "421", "554") || starttls.CannotStart(in.C2S, "EHLO", "HELO", "LHLO") {
		return true
	}
	if g, _, ok := starttls.Line(in.S2C); ok {
		if code, _, ok := starttls.Code(g); !ok || code != 220 && code != 421 && code != 554 {
			return true
		}
	} else if len(in.S2C) > starttls.MaxLine {
		return true
	}
	if ln, _, ok := starttls.Line(in.C2S); ok && !hello(ln) {
		return true
	}
	return false
}
