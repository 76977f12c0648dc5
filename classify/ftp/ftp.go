package ftp

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/starttls"
	"github.com/ibmitap/ibmitap/classify/tls"
)

// maxExpect bounds the data connections announced per control flow.
const maxExpect = 32

// maxUsers bounds the distinct logins reported per flow.
const maxUsers = 4

// Detect recognises an FTP control connection: the server's greeting
// (IBM i: "220-QTCP at <host>.") and the client's commands. It reports
// USER/PASS in clear, failed logins (530), RCMD/SITE command text, an
// AUTH TLS upgrade (then the TLS handshake), and the data connections
// announced by PASV, EPSV, PORT and EPRT.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	c2s, s2c := in.C2S, in.S2C
	paired := !in.MidStream
	if in.MidStream {
		c2s, s2c = resync(c2s, true), resync(s2c, false)
		if !recogniseMid(c2s, s2c, in.ServerPort) {
			return false
		}
	}
	greeted := false
	if !in.MidStream {
		var ok bool
		if ok, greeted = recognise(c2s, s2c, in.ServerPort); !ok {
			return false
		}
	}
	v.Protocol = "ftp"
	var s session
	s.run(c2s, s2c, paired, greeted, v)
	s.report(v)
	return true
}

// login is one user's clear-text logins.
type login struct {
	user      string
	anonymous bool
	passes    int
}

// session accumulates what the control connection showed.
type session struct {
	logins   [maxUsers]login
	nLogins  int
	user     string // user of the last USER command
	userOnly bool   // a USER without a PASS after it
	failures int
	failUser string
	cmds     int // RCMD / SITE command lines
	cmdLen   int
	cmdVerb  string
}

// run walks the client's commands, pairing each with the server's final
// reply when the connection start was captured; greeted says the server head
// starts with the greeting, which answers no command.
func (s *session) run(c2s, s2c []byte, paired, greeted bool, v *detect.Verdict) {
	rs := replies{b: s2c}
	if paired && greeted {
		rs.final() // greeting (a 120 first is skipped by final)
	}
	plainS2C := s2c // server bytes before any upgrade
	c := c2s
	for {
		ln, rest, ok := line(c)
		if !ok {
			break
		}
		c = rest
		verb, arg, ok := command(ln)
		var rp reply
		have := false
		if paired {
			rp, have = rs.final()
		}
		if !ok {
			continue
		}
		switch verb {
		case "USER":
			s.user, s.userOnly = userName(arg), true
		case "PASS":
			s.userOnly = false
			if len(arg) > 0 {
				s.pass()
			}
			if have && rp.code == 530 {
				s.failures++
				s.failUser = s.user
			}
		case "AUTH":
			if !tlsMechanism(arg) {
				break
			}
			// After 234 the connection carries TLS (RFC 4217 §4); a
			// ClientHello right after the command shows the same when
			// the reply was not captured.
			if have && rp.code == 234 || !have && startsTLS(c) {
				v.Upgraded, v.UpgradeHow = true, "AUTH TLS"
				after := []byte(nil)
				if have {
					after = rp.rest
					plainS2C = s2c[:len(s2c)-len(rp.rest)]
				}
				tls.Inspect(c, after, &v.TLS)
				s.scanReplies(plainS2C, v)
				s.clearAgain(c, after, v)
				return
			}
			if have {
				starttls.Refused(v, "AUTH TLS", fmt.Sprint(rp.code))
			}
		case "PORT":
			if ap, ok := hostPort(arg); ok && (!have || rp.code/100 == 2) {
				expect(v, ap.Addr(), ap.Port())
			}
		case "EPRT":
			if ap, ok := eprt(arg); ok && (!have || rp.code/100 == 2) {
				expect(v, ap.Addr(), ap.Port())
			}
		case "RCMD":
			s.clCommand("RCMD", arg)
		case "SITE":
			if !siteParameter(arg) {
				s.clCommand("SITE", arg)
			}
		}
	}
	s.scanReplies(plainS2C, v)
}

// clearAgain looks past the TLS records that follow an accepted AUTH TLS.
// A client that sent CCC (RFC 4217 §6) and had it accepted closes TLS and
// sends its next commands in clear: a command line right after the last
// whole record of the client's stream shows it, since a TLS stream holds
// nothing but records. The data connections the server then announces in
// clear are learned as well.
func (s *session) clearAgain(c2s, s2c []byte, v *detect.Verdict) {
	c, ok := afterRecords(c2s)
	if !ok {
		return
	}
	ln, _, ok := line(c)
	if !ok {
		return
	}
	if verb, _, ok := command(ln); !ok || verb == "" {
		return
	}
	v.Downgraded = true
	if srv, ok := afterRecords(s2c); ok {
		s.scanReplies(srv, v)
	}
}

// afterRecords skips the whole TLS records at the start of b and returns
// what follows them; ok is false when b holds no record, or ends inside one
// (nothing after TLS can be told yet).
func afterRecords(b []byte) ([]byte, bool) {
	n := 0
	for len(b) >= 5 && b[0] >= 20 && b[0] <= 24 && b[1] == 3 && b[2] <= 4 {
		l := int(b[3])<<8 | int(b[4])
		if len(b) < 5+l {
			return nil, false
		}
		b = b[5+l:]
		n++
	}
	return b, n > 0 && len(b) > 0
}

// scanReplies announces the data connections of 227 and 229 replies.
func (s *session) scanReplies(s2c []byte, v *detect.Verdict) {
	rs := replies{b: s2c}
	for {
		rp, ok := rs.next()
		if !ok {
			return
		}
		switch rp.code {
		case 227:
			if ap, ok := pasv(rp.text); ok {
				addr := ap.Addr()
				if addr.IsUnspecified() {
					addr = netip.Addr{} // "the same server"
				}
				expect(v, addr, ap.Port())
			}
		case 229:
			if port, ok := epsv(rp.text); ok {
				expect(v, netip.Addr{}, port)
			}
		}
	}
}

// expect announces a data connection, once per address and port.
func expect(v *detect.Verdict, addr netip.Addr, port uint16) {
	if port == 0 || len(v.Expect) >= maxExpect {
		return
	}
	for _, e := range v.Expect {
		if e.Addr == addr && e.Port == port {
			return
		}
	}
	v.Expect = append(v.Expect, detect.Expectation{Addr: addr, Port: port, Service: "ftp-data"})
}

// pass records a clear-text PASS for the current user.
func (s *session) pass() {
	for i := range s.logins[:s.nLogins] {
		if s.logins[i].user == s.user {
			s.logins[i].passes++
			return
		}
	}
	if s.nLogins < maxUsers {
		s.logins[s.nLogins] = login{user: s.user, anonymous: anonymous(s.user), passes: 1}
		s.nLogins++
	}
}

func (s *session) clCommand(verb string, arg []byte) {
	if len(bytes.TrimSpace(arg)) == 0 {
		return
	}
	s.cmds++
	s.cmdLen += len(arg)
	if s.cmdVerb == "" {
		s.cmdVerb = verb
	}
}

// report turns the session into findings.
func (s *session) report(v *detect.Verdict) {
	for _, l := range s.logins[:s.nLogins] {
		v.User = l.user
		f := detect.Finding{
			Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
			Message:  fmt.Sprintf("FTP password sent in clear (PASS) for user %s", l.user),
			User:     l.user,
			Protocol: "ftp PASS",
			Count:    l.passes,
		}
		if l.user == "" {
			f.Message = "FTP password sent in clear (PASS) without a USER seen"
		}
		if l.anonymous {
			f.Severity = detect.SevLow
			f.Message = "FTP anonymous login: the PASS (by custom an e-mail address) crosses in clear"
		}
		v.Add(f)
	}
	if s.userOnly && s.user != "" {
		v.User = s.user
		v.Add(detect.Finding{
			Kind: detect.KindUserIDExposed, Severity: detect.SevLow,
			Message:  fmt.Sprintf("FTP user ID %s sent in clear (USER)", s.user),
			User:     s.user,
			Protocol: "ftp USER",
		})
	} else if s.user != "" && v.User == "" {
		v.User = s.user
	}
	if s.failures > 0 {
		v.Add(detect.Finding{
			Kind: detect.KindAuthFailure, Severity: detect.SevMedium,
			Message:  fmt.Sprintf("FTP login failed (530 after PASS) for user %s", s.failUser),
			User:     s.failUser,
			Protocol: "ftp PASS",
			Count:    s.failures,
		})
	}
	if s.cmds > 0 {
		v.Add(detect.Finding{
			Kind: detect.KindSensitiveDataVisible, Severity: detect.SevMedium,
			Message:  fmt.Sprintf("CL command text in clear over FTP (%s: %d commands, %d bytes)", s.cmdVerb, s.cmds, s.cmdLen),
			Protocol: "ftp " + s.cmdVerb,
			Record:   "cl-command",
			Length:   s.cmdLen,
			Count:    s.cmds,
		})
	}
}

// userName returns the USER argument as printable text; anonymous logins
// ("anonymous", "ftp") become "anonymous".
func userName(arg []byte) string {
	arg = bytes.TrimSpace(arg)
	if len(arg) > 64 {
		arg = arg[:64]
	}
	if bytes.EqualFold(arg, []byte("anonymous")) || bytes.EqualFold(arg, []byte("ftp")) {
		return "anonymous"
	}
	out := make([]byte, len(arg))
	for i, c := range arg {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		out[i] = c
	}
	return string(out)
}

func anonymous(user string) bool { return user == "anonymous" }

// tlsMechanism reports whether an AUTH argument asks for TLS (RFC 4217
// "TLS", and the older "SSL", "TLS-C", "TLS-P").
func tlsMechanism(arg []byte) bool {
	arg = bytes.TrimSpace(arg)
	for _, m := range []string{"TLS", "SSL", "TLS-C", "TLS-P"} {
		if bytes.EqualFold(arg, []byte(m)) {
			return true
		}
	}
	return false
}

// startsTLS reports whether b starts with a TLS or SSLv2 ClientHello.
func startsTLS(b []byte) bool {
	_, ok := tls.ParseClientHello(b)
	return ok
}

// siteParameter reports whether a SITE argument is a known server setting
// (IBM i: NAMEFMT, LISTFMT, CRTCCSID, TRIM...; Unix servers: CHMOD, UMASK
// ...) rather than command text.
func siteParameter(arg []byte) bool {
	arg = bytes.TrimSpace(arg)
	word := arg
	if i := bytes.IndexByte(arg, ' '); i >= 0 {
		word = arg[:i]
	}
	if len(word) == 0 {
		return true
	}
	for _, p := range []string{"NAMEFMT", "LISTFMT", "CRTCCSID", "TRIM", "TRIMTRAIL",
		"CHMOD", "UMASK", "IDLE", "HELP", "UTIME", "SYMLINK", "ZONE", "LOCALE"} {
		if bytes.EqualFold(word, []byte(p)) {
			return true
		}
	}
	return false
}

// containsFold reports whether b contains the lower-case ASCII word w,
// ignoring case.
func containsFold(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		j := 0
		for j < len(w) && b[i+j]|0x20 == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// Reject reports that no more bytes can make Detect match a flow whose start
// was captured: the client's first line is no FTP command, or the server's
// first line is no greeting nor a 331 reply.
func Reject(in *detect.Input) bool {
	if in.MidStream {
		return false
	}
	if clientRuledOut(in.C2S) {
		return true
	}
	s := in.S2C
	if len(s) < 4 {
		return false
	}
	code, _, ok := replyCode(s[:4])
	return !ok || code != 220 && code != 120 && code != 421 && code != 331
}

// clientRuledOut reports that recognise fails on c2s and on every longer
// head: its first line is complete and holds no known FTP command, or no
// line ends within the longest line and the client has sent more than that.
func clientRuledOut(c2s []byte) bool {
	ln, _, ok := line(c2s)
	if !ok {
		return len(c2s) > maxLine
	}
	verb, _, ok := command(ln)
	return !ok || verb == ""
}
