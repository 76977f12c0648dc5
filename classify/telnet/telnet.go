package telnet

import (
	"fmt"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Protocol names this detector reports.
const (
	ProtoTelnet = "telnet"
	Proto5250   = "tn5250"
)

// Detect recognises a Telnet connection from option negotiation at the start
// of either direction and fills v: "tn5250" when the terminal type, the IBM
// NEW-ENVIRON variables or 5250 records say so, else "telnet"; the user ID
// and the findings for passwords and user IDs sent in clear; the START_TLS
// upgrade. Service stays empty: the port tells telnet from telnets.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if !startsTelnet(in.C2S, in.S2C) {
		if cs, cw := mayOpen(in.C2S); !cs && !cw {
			v.Wait.C2S = detect.Never // only the server's opening can still decide
		}
		return false
	}
	c, s := parse(in.C2S), parse(in.S2C)
	term := terminalType(c.subs)
	a := signon(c.subs)
	crecs, srecs := records(c), records(s)
	v.Protocol = ProtoTelnet
	if is5250Type(term) || a.ibm || serverAsksIBM(s.subs) || len(crecs)+len(srecs) > 0 {
		v.Protocol = Proto5250
	}
	if c.follows && s.follows && (c.will[optStartTLS] || s.do[optStartTLS]) {
		v.Upgraded, v.UpgradeHow = true, "START_TLS"
	}
	r := report{v: v}
	r.environ(a)
	if v.Protocol == Proto5250 {
		r.signonScreen(srecs, crecs, screenWidth(term))
		if code, ok := startupCode(srecs); ok && (code == "8936" || code == "8937") {
			r.add(detect.Finding{
				Kind: detect.KindAuthFailure, Severity: detect.SevMedium,
				Message: fmt.Sprintf("TN5250 sign-on rejected (startup response %s)", code),
				User:    v.User, Protocol: "tn5250 startup response",
			})
		}
	} else {
		r.login(typedLogin(s.data, c.data, a.user))
	}
	return true
}

// terminalType returns the client's TERMINAL-TYPE IS answer.
func terminalType(subs []sub) string {
	for _, sb := range subs {
		if sb.opt == optTermType && len(sb.data) > 1 && sb.data[0] == 0 {
			return printableText(sb.data[1:])
		}
	}
	return ""
}

// report adds findings to a verdict, keeping the strongest credential
// finding per user.
type report struct {
	v      *detect.Verdict
	secret bool   // a password or substitute finding was raised
	from   string // what carried the user ID
}

func (r *report) add(f detect.Finding) {
	for _, g := range r.v.Findings {
		if g.Kind == f.Kind && g.User == f.User && g.Mechanism == f.Mechanism {
			return
		}
	}
	r.setUser(f.User, f.Protocol)
	if f.Kind == detect.KindCleartextPassword || f.Kind == detect.KindPasswordHashExposed {
		r.secret = true
	}
	r.v.Add(f)
}

// environ reports NEW-ENVIRON auto-sign-on: IBMSUBSPW is the password itself
// when IBMRSEED is absent, empty or all zero (§7.3), else a substitute.
func (r *report) environ(a autoSignon) {
	switch {
	case a.subspw > 0 && !a.rseed:
		r.add(detect.Finding{
			Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
			Message: "Telnet auto-sign-on sends the password in clear (IBMSUBSPW without a seed)",
			User:    a.user, Protocol: "telnet NEW-ENVIRON", Mechanism: "IBMSUBSPW without seed",
		})
	case a.subspw > 0:
		m := "IBMSUBSPW"
		switch a.subspw {
		case 8:
			m = "IBMSUBSPW DES"
		case 20:
			m = "IBMSUBSPW SHA-1"
		}
		r.add(detect.Finding{
			Kind: detect.KindPasswordHashExposed, Severity: detect.SevHigh,
			Message: "Telnet auto-sign-on sends a password substitute with its seeds; it can be guessed offline",
			User:    a.user, Protocol: "telnet NEW-ENVIRON", Mechanism: m,
		})
	}
	if a.seenUser {
		r.setUser(a.user, "telnet NEW-ENVIRON")
	}
}

// login reports a login typed at the server's prompts.
func (r *report) login(pl promptLogin) {
	r.setUser(pl.user, "telnet login")
	if pl.password {
		r.add(detect.Finding{
			Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
			Message: "Telnet login: the password was typed at the Password prompt in clear",
			User:    pl.user, Protocol: "telnet login",
		})
	}
	if pl.failed {
		r.add(detect.Finding{
			Kind: detect.KindAuthFailure, Severity: detect.SevMedium,
			Message: "Telnet login rejected by the server",
			User:    pl.user, Protocol: "telnet login",
		})
	}
	r.userOnly()
}

// signonScreen reports the user and password typed into a 5250 sign-on
// screen (an input field with the non-display attribute).
func (r *report) signonScreen(srecs, crecs []record, width int) {
	sc, ok := signonScreen(srecs, width)
	if !ok {
		r.userOnly()
		return
	}
	rep, ok := readSignon(crecs, sc)
	if ok {
		r.setUser(rep.user, "tn5250 sign-on")
	}
	if ok && rep.password {
		r.add(detect.Finding{
			Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
			Message: fmt.Sprintf("5250 sign-on screen: the password field (row %d, column %d, %d positions) was sent in clear",
				rep.pwRow, rep.pwCol, rep.pwLen),
			User: rep.user, Protocol: "tn5250 sign-on", Mechanism: "5250 non-display field",
		})
	}
	r.userOnly()
}

// userOnly raises user_id_exposed when a user ID was seen but no password
// material.
func (r *report) userOnly() {
	if r.v.User == "" || r.secret {
		return
	}
	proto := r.from
	r.add(detect.Finding{
		Kind: detect.KindUserIDExposed, Severity: detect.SevLow,
		Message: "Telnet sends the user ID in clear",
		User:    r.v.User, Protocol: proto,
	})
}

// setUser keeps the first user ID seen and what carried it.
func (r *report) setUser(user, from string) {
	if user != "" && r.v.User == "" {
		r.v.User, r.from = user, from
	}
}

// Reject reports that no more bytes can make Detect match: neither
// direction can still open strongly, and not both weakly (startsTelnet),
// whatever follows the bytes there are.
func Reject(in *detect.Input) bool {
	cs, cw := mayOpen(in.C2S)
	ss, sw := mayOpen(in.S2C)
	return !cs && !ss && !(cw && sw)
}
