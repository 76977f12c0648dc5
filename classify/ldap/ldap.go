package ldap

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/starttls"
	"github.com/ibmitap/ibmitap/classify/tls"
)

// startTLSOID names the StartTLS extended operation (RFC 4511 §4.14.1).
const startTLSOID = "1.3.6.1.4.1.1466.20037"

// resultInvalidCredentials is the bind resultCode of a wrong password.
const resultInvalidCredentials = 49

// maxBinds bounds the binds remembered per flow; maxMessages the messages
// walked per direction.
const (
	maxBinds    = 8
	maxMessages = 256
	maxResync   = 1024
)

// Detect recognises LDAP from the client's first LDAPMessage (bind,
// search, extended ... request) and reports simple binds with a password in
// clear, SASL PLAIN, unauthenticated binds (user ID only), failed binds
// (resultCode 49) and a StartTLS upgrade, whose TLS handshake it parses.
// Credentials are only reported from a complete BindRequest.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	c2s, s2c := in.C2S, in.S2C
	if in.MidStream {
		c2s, s2c = resync(c2s, request), resync(s2c, response)
		if c2s == nil && s2c == nil {
			return false
		}
	} else if !recognise(c2s, s2c) {
		return false
	}
	v.Protocol = "ldap"
	var s session
	s.run(c2s, s2c, v)
	s.report(v)
	return true
}

// recognise checks the start of a connection: a client request, or, with
// the client side missing, a server response.
func recognise(c2s, s2c []byte) bool {
	if len(c2s) > 0 {
		_, _, ok := parseMessage(c2s, request)
		return ok
	}
	m, _, ok := parseMessage(s2c, response)
	return ok && (m.op == opBindResponse || m.op == opExtendedResponse || m.op == opSearchDone)
}

// resync finds a message boundary in a head captured mid-session: the first
// offset where two messages follow each other, or one message ends the
// head exactly. It returns nil when there is none.
func resync(b []byte, ops func(byte) bool) []byte {
	for i := 0; i < len(b) && i < maxResync; i++ {
		if b[i] != 0x30 {
			continue
		}
		m, rest, ok := parseMessage(b[i:], ops)
		if !ok || !m.complete {
			continue
		}
		if len(rest) == 0 {
			return b[i:]
		}
		if _, _, ok := parseMessage(rest, ops); ok {
			return b[i:]
		}
	}
	return nil
}

// bind is what one BindRequest showed.
type bind struct {
	id       int
	dn       string
	mech     string // "simple" or "SASL <mechanism>"
	user     string // user shown: the DN, or the SASL PLAIN authcid
	password bool   // a password crossed in clear
	result   int    // BindResponse resultCode, -1 until seen
}

type session struct {
	binds  [maxBinds]bind
	nBinds int
}

// run walks the client's requests and the server's responses, pairing
// them by message ID. A StartTLS that the server accepts ends the plaintext
// in both directions; a refused one does not.
func (s *session) run(c2s, s2c []byte, v *detect.Verdict) {
	plainS2C := s2c
	c := c2s
	for n := 0; n < maxMessages; n++ {
		m, rest, ok := parseMessage(c, request)
		if !ok || !m.complete {
			break
		}
		c = rest
		switch m.op {
		case opBindRequest:
			s.bind(m)
		case opExtendedRequest:
			if extendedName(m.body) != startTLSOID {
				break
			}
			code, after, found := extendedResult(s2c, m.id)
			_, hello := tls.ParseClientHello(rest)
			if found && code == 0 || !found && hello {
				v.Upgraded, v.UpgradeHow = true, "StartTLS"
				tls.Inspect(rest, after, &v.TLS)
				plainS2C = s2c[:len(s2c)-len(after)]
				s.results(plainS2C)
				return
			}
			if found {
				starttls.Refused(v, "StartTLS", fmt.Sprintf("resultCode %d", code))
			}
		}
	}
	s.results(plainS2C)
}

// extendedResult finds the ExtendedResponse to request id in the server
// stream: its resultCode and the bytes after it.
func extendedResult(s2c []byte, id int) (code int, after []byte, found bool) {
	r := s2c
	for n := 0; n < maxMessages; n++ {
		m, rest, ok := parseMessage(r, response)
		if !ok || !m.complete {
			return 0, nil, false
		}
		r = rest
		if m.op == opExtendedResponse && m.id == id {
			code, ok := resultCode(m.body)
			return code, rest, ok
		}
	}
	return 0, nil, false
}

// results pairs BindResponses with the binds.
func (s *session) results(s2c []byte) {
	r := s2c
	for n := 0; n < maxMessages; n++ {
		m, rest, ok := parseMessage(r, response)
		if !ok || !m.complete {
			return
		}
		r = rest
		if m.op == opBindResponse {
			if code, ok := resultCode(m.body); ok {
				s.result(m.id, code)
			}
		}
	}
}

// bind records a complete BindRequest: version, name, authentication.
func (s *session) bind(m message) {
	if s.nBinds >= maxBinds {
		return
	}
	tag, ver, rest, c, ok := elem(m.body)
	if !ok || !c || tag != 0x02 {
		return
	}
	if n, ok := integer(ver); !ok || n < 1 || n > 127 {
		return
	}
	tag, name, rest, c, ok := elem(rest)
	if !ok || !c || tag != 0x04 {
		return
	}
	tag, auth, _, c, ok := elem(rest)
	if !ok || !c {
		return
	}
	b := bind{id: m.id, dn: text(name), result: -1}
	b.user = b.dn
	switch tag {
	case 0x80: // simple: the password itself
		b.mech = "simple"
		b.password = len(auth) > 0
	case 0xa3: // SaslCredentials { mechanism, credentials OPTIONAL }
		tag, mech, rest, c, ok := elem(auth)
		if !ok || !c || tag != 0x04 {
			return
		}
		b.mech = "SASL " + text(mech)
		if t, cred, _, c, ok := elem(rest); ok && c && t == 0x04 && bytes.EqualFold(mech, []byte("PLAIN")) {
			// RFC 4616: [authzid] NUL authcid NUL passwd, all in clear.
			if f := bytes.SplitN(cred, []byte{0}, 3); len(f) == 3 {
				b.user = text(f[1])
				b.password = len(f[2]) > 0
			}
		}
	default:
		return
	}
	s.binds[s.nBinds] = b
	s.nBinds++
}

func (s *session) result(id, code int) {
	for i := range s.binds[:s.nBinds] {
		if s.binds[i].id == id && s.binds[i].result < 0 {
			s.binds[i].result = code
			return
		}
	}
}

// report turns the binds into findings.
func (s *session) report(v *detect.Verdict) {
	failures, failUser, failMech := 0, "", ""
	for _, b := range s.binds[:s.nBinds] {
		if b.user != "" {
			v.User = b.user
		}
		proto := "ldap bind (" + b.mech + ")"
		switch {
		case b.password:
			v.Add(detect.Finding{
				Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
				Message:   fmt.Sprintf("LDAP %s bind sends the password in clear for %s", b.mech, quoted(b.user)),
				User:      b.user,
				Protocol:  proto,
				Mechanism: b.mech,
			})
		case b.mech == "simple" && b.dn != "":
			v.Add(detect.Finding{
				Kind: detect.KindUserIDExposed, Severity: detect.SevLow,
				Message:   fmt.Sprintf("LDAP unauthenticated bind (DN, no password) shows %s", quoted(b.dn)),
				User:      b.dn,
				Protocol:  proto,
				Mechanism: b.mech,
			})
		case b.mech != "simple" && b.user != "":
			v.Add(detect.Finding{
				Kind: detect.KindUserIDExposed, Severity: detect.SevLow,
				Message:   fmt.Sprintf("LDAP %s bind (no clear-text password) shows %s", b.mech, quoted(b.user)),
				User:      b.user,
				Protocol:  proto,
				Mechanism: b.mech,
			})
		}
		if b.result == resultInvalidCredentials {
			failures++
			failUser, failMech = b.user, b.mech
		}
	}
	if failures > 0 {
		v.Add(detect.Finding{
			Kind: detect.KindAuthFailure, Severity: detect.SevMedium,
			Message:   fmt.Sprintf("LDAP bind failed with invalidCredentials (49) for %s", quoted(failUser)),
			User:      failUser,
			Protocol:  "ldap bind (" + failMech + ")",
			Mechanism: failMech,
			Count:     failures,
		})
	}
}

// extendedName returns the requestName [0] of an ExtendedRequest.
func extendedName(body []byte) string {
	tag, name, _, c, ok := elem(body)
	if !ok || !c || tag != 0x80 || len(name) != len(startTLSOID) {
		return ""
	}
	if string(name) == startTLSOID {
		return startTLSOID
	}
	return ""
}

// resultCode returns the resultCode ENUMERATED that starts an LDAPResult.
func resultCode(body []byte) (int, bool) {
	tag, v, _, c, ok := elem(body)
	if !ok || !c || tag != 0x0a {
		return 0, false
	}
	return integer(v)
}

// maxText bounds a DN or user name reported.
const maxText = 256

// text returns b (UTF-8 in LDAP) as printable text.
func text(b []byte) string {
	if len(b) > maxText {
		b = b[:maxText]
	}
	s := strings.ToValidUTF8(string(b), "?")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return '.'
		}
		return r
	}, s)
}

func quoted(s string) string {
	if s == "" {
		return "an empty name"
	}
	return fmt.Sprintf("%q", s)
}

// Reject reports that no more bytes can make Detect match a flow whose start
// was captured: the client's first byte opens no BER SEQUENCE, or the
// headers of its first message are all there and malformed.
func Reject(in *detect.Input) bool {
	c := in.C2S
	if in.MidStream || len(c) == 0 {
		return false
	}
	if c[0] != 0x30 {
		return true
	}
	_, _, ok := parseMessage(c, request)
	return !ok && len(c) >= headersLen
}

// headersLen is how many bytes hold every header parseMessage judges
// before the message is complete: the SEQUENCE header (at most 6 bytes),
// the message ID (at most 2 + 4 length bytes + 4 value bytes, since a
// longer ID fails) and the operation's header (at most 6). With that many
// bytes a failure is not for want of bytes: a longer head fails the same
// way.
const headersLen = 6 + 10 + 6
