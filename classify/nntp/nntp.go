package nntp

import (
	"bytes"
	"fmt"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/starttls"
)

// maxCommands bounds the client lines walked per flow.
const maxCommands = 256

// Detect recognises an NNTP session: a 200 or 201 greeting (or 400/502
// refusals) and a first client command of NNTP — or, before the client
// spoke, a greeting on port 119 or one that names NNTP or news.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.MidStream || in.Transport == 17 {
		return false
	}
	g, s, ok := starttls.Line(in.S2C)
	if !ok || !starttls.Text(g) {
		return false
	}
	code, sep, ok := starttls.Code(g)
	if !ok || sep == '-' || code != 200 && code != 201 && code != 400 && code != 502 {
		return false
	}
	ln, _, ok := starttls.Line(in.C2S)
	switch {
	case ok:
		if !opening(ln) {
			return false
		}
	case len(in.C2S) > 0:
		return false
	default:
		if in.ServerPort != 119 && !starttls.ContainsFold(g, "NNTP") && !starttls.ContainsFold(g, "news") {
			return false
		}
	}
	v.Protocol = "nntp"
	walk(in.C2S, s, v)
	return true
}

// opening reports whether ln is a command an NNTP client opens with.
func opening(ln []byte) bool {
	for _, w := range []string{"CAPABILITIES", "MODE", "STARTTLS", "AUTHINFO", "GROUP", "LIST", "ARTICLE", "HEAD", "NEWNEWS", "NEWGROUPS", "DATE", "HELP", "POST", "IHAVE", "QUIT"} {
		if _, ok := starttls.Verb(ln, w); ok {
			return true
		}
	}
	return false
}

// multiLine reports whether reply code to command ln carries a block that
// ends in "." (RFC 3977 §3.4.1).
func multiLine(ln []byte, code int) bool {
	switch code {
	case 100, 101, 215, 220, 221, 222, 224, 225, 230, 231:
		return true
	case 211:
		_, ok := starttls.Verb(ln, "LISTGROUP")
		return ok
	}
	return false
}

// walk pairs the client's commands with the server's replies up to STARTTLS.
func walk(c, s []byte, v *detect.Verdict) {
	user := ""
	for range maxCommands {
		ln, rest, ok := starttls.Line(c)
		if !ok {
			return
		}
		c = rest
		code, have := 0, false
		if r, srest, ok := starttls.Line(s); ok {
			if cd, _, ok := starttls.Code(r); ok {
				code, have, s = cd, true, srest
				if multiLine(ln, code) {
					if s, ok = starttls.SkipDotBlock(s); !ok {
						have, s = false, nil
					}
				}
			}
		}
		if _, ok := starttls.Verb(ln, "STARTTLS"); ok {
			switch {
			case have && code == 382:
				starttls.Accepted(v, "STARTTLS", c, s)
			case have:
				starttls.Refused(v, "STARTTLS", fmt.Sprint(code))
			case starttls.StartsTLS(c):
				starttls.Accepted(v, "STARTTLS", c, nil)
			}
			return
		}
		arg, ok := starttls.Verb(ln, "AUTHINFO")
		if !ok {
			continue
		}
		if m, ok := starttls.Verb(arg, "SASL"); ok {
			c, s = sasl(m, c, s, code, have, v)
			continue
		}
		if u, ok := starttls.Verb(arg, "USER"); ok {
			user = string(bytes.TrimSpace(u))
			if len(user) > 64 {
				user = ""
			}
			v.User = user
		} else if _, ok := starttls.Verb(arg, "PASS"); ok {
			f := detect.Finding{
				Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
				Message:  "NNTP password sent in clear (AUTHINFO PASS)",
				User:     user,
				Protocol: "nntp AUTHINFO PASS",
			}
			if user != "" {
				f.Message += " for user " + user
			}
			v.Add(f)
		}
	}
}

// sasl follows an AUTHINFO SASL command (RFC 4643 §2.4) whose reply
// (code, have) was read (starttls.SASL: the responses that go with 383
// continuations are never read as commands), and reports PLAIN and LOGIN
// with the user they name. It returns the streams after the exchange.
func sasl(arg, c, s []byte, code int, have bool, v *detect.Verdict) ([]byte, []byte) {
	mech, first, _ := bytes.Cut(arg, []byte(" "))
	c, user, pw := starttls.SASL(mech, first, c, code == 383, have, func() (bool, bool) {
		r, rest, ok := starttls.Line(s)
		if !ok {
			return false, false
		}
		cd, _, ok := starttls.Code(r)
		if !ok {
			return false, false
		}
		s = rest
		return cd == 383, true
	})
	if pw {
		starttls.SASLPassword(v, "NNTP AUTHINFO SASL", "nntp AUTHINFO SASL", string(bytes.ToUpper(mech)), user)
	}
	return c, s
}

// Reject reports that no more bytes can make Detect match: a capture that
// starts mid-session, UDP, a first server line that is no NNTP greeting, or
// a first client line that is no NNTP command.
func Reject(in *detect.Input) bool {
	if in.MidStream || in.Transport == 17 {
		return true
	}
	if len(in.S2C) > 0 && (in.S2C[0] < '2' || in.S2C[0] > '5') {
		return true
	}
	if g, _, ok := starttls.Line(in.S2C); ok {
		code, sep, ok := starttls.Code(g)
		if !ok || sep == '-' || code != 200 && code != 201 && code != 400 && code != 502 {
			return true
		}
	}
	if ln, _, ok := starttls.Line(in.C2S); ok && !opening(ln) {
		return true
	}
	return false
}
