package http

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/smb"
)

// authorization reports the credentials in an Authorization or
// Proxy-Authorization header value. s2c is the server head, where an NTLM
// challenge would be.
func authorization(value, s2c []byte, v *detect.Verdict) {
	sp := bytes.IndexByte(value, ' ')
	if sp <= 0 {
		return
	}
	scheme, rest := value[:sp], bytes.TrimSpace(value[sp+1:])
	switch {
	case bytes.EqualFold(scheme, []byte("Basic")):
		user, tokenLen, ok := basicUser(rest)
		if !ok {
			return
		}
		if tokenLen > 0 {
			// "token:" with nothing after the colon is how API keys ride
			// on Basic (Stripe, many REST services): the user part is the
			// secret, so it goes nowhere, not even into User.
			v.Add(detect.Finding{
				Kind:      detect.KindCleartextPassword,
				Severity:  detect.SevCritical,
				Message:   "HTTP Basic authorization carries a bearer-like token in clear (as the user name, base64 only)",
				Protocol:  "http basic",
				Mechanism: "HTTP Basic (token as user name)",
				Length:    tokenLen,
			})
			return
		}
		setUser(v, user)
		v.Add(detect.Finding{
			Kind:     detect.KindCleartextPassword,
			Severity: detect.SevCritical,
			Message:  "HTTP Basic authorization carries the password in clear (base64 only)",
			User:     user,
			Protocol: "http basic",
		})
	case bytes.EqualFold(scheme, []byte("Digest")):
		user, ok := digestParam(rest, "username")
		if !ok || user == "" {
			return
		}
		setUser(v, user)
		v.Add(detect.Finding{
			Kind:      detect.KindPasswordHashExposed,
			Severity:  detect.SevHigh,
			Message:   "HTTP Digest response and nonce visible: the password can be guessed offline",
			User:      user,
			Protocol:  "http digest",
			Mechanism: "HTTP Digest",
		})
	case bytes.EqualFold(scheme, []byte("NTLM")), bytes.EqualFold(scheme, []byte("Negotiate")):
		ntlm(rest, s2c, v)
	}
}

// ntlm reports the user of an NTLM AUTHENTICATE token (raw or, with
// Negotiate, SPNEGO-wrapped) and whether its response can be guessed offline:
// only when the server's challenge is in the same flow's server head.
func ntlm(b64 []byte, s2c []byte, v *detect.Verdict) {
	tok, ok := decode64(b64)
	if !ok {
		return
	}
	typ, a, ok := smb.ParseNTLM(tok)
	if !ok || typ != 3 || a.User == "" {
		return
	}
	user := a.Account()
	setUser(v, user)
	mech := a.Mechanism()
	if mech != "" && serverChallenge(s2c) {
		v.Add(detect.Finding{
			Kind:      detect.KindPasswordHashExposed,
			Severity:  detect.SevHigh,
			Message:   mech + " challenge and response visible: the password can be guessed offline",
			User:      user,
			Protocol:  "http ntlm",
			Mechanism: mech,
		})
		return
	}
	v.Add(detect.Finding{
		Kind:      detect.KindUserIDExposed,
		Severity:  detect.SevLow,
		Message:   "NTLM logon: user name visible in clear",
		User:      user,
		Protocol:  "http ntlm",
		Mechanism: mech,
	})
}

// maxChallengeLines is how many lines of the server head serverChallenge
// reads.
const maxChallengeLines = 64

// serverChallenge reports whether the server head holds a WWW-Authenticate
// header with an NTLM CHALLENGE message.
func serverChallenge(s2c []byte) bool {
	for i := 0; i < maxChallengeLines && len(s2c) > 0; i++ {
		eol := bytes.IndexByte(s2c, '\n')
		line := s2c
		if eol >= 0 {
			line, s2c = s2c[:eol], s2c[eol+1:]
		} else {
			s2c = nil
		}
		line = bytes.TrimSpace(line)
		const name = "WWW-Authenticate:"
		if !hasPrefixFold(line, name) {
			continue
		}
		val := bytes.TrimSpace(line[len(name):])
		sp := bytes.IndexByte(val, ' ')
		if sp <= 0 {
			continue
		}
		if tok, ok := decode64(bytes.TrimSpace(val[sp+1:])); ok {
			if typ, _, ok := smb.ParseNTLM(tok); ok && typ == 2 {
				return true
			}
		}
	}
	return false
}

// decode64 decodes standard base64 with or without padding.
func decode64(b []byte) ([]byte, bool) {
	b = bytes.TrimRight(b, "=")
	if len(b) == 0 || len(b) > 8192 {
		return nil, false
	}
	buf := make([]byte, base64.RawStdEncoding.DecodedLen(len(b)))
	n, err := base64.RawStdEncoding.Decode(buf, b)
	if err != nil {
		return nil, false
	}
	return buf[:n], true
}

// basicUser decodes base64(user ":" password) and returns the user part. The
// password is decoded into a scratch buffer and never leaves this function.
// When the password is empty the user part is taken for a token: user is
// then empty and tokenLen its length.
func basicUser(b64 []byte) (user string, tokenLen int, ok bool) {
	dec, ok := decode64(b64)
	if !ok {
		return "", 0, false
	}
	defer clear(dec) // the password (or token): not kept past this call
	colon := bytes.IndexByte(dec, ':')
	if colon < 0 {
		return "", 0, false
	}
	u := dec[:colon]
	if !utf8.Valid(u) || !printable(u) {
		return "", 0, false
	}
	if colon == len(dec)-1 {
		if len(u) == 0 {
			return "", 0, false // ":": no credential at all
		}
		return "", len(u), true
	}
	return string(u), 0, true
}

// digestParam returns the value of one auth-param of a Digest credential,
// quoted or not.
func digestParam(params []byte, name string) (string, bool) {
	for len(params) > 0 {
		params = bytes.TrimLeft(params, " \t,")
		eq := bytes.IndexByte(params, '=')
		if eq <= 0 {
			return "", false
		}
		key := bytes.TrimSpace(params[:eq])
		params = bytes.TrimLeft(params[eq+1:], " \t")
		var val []byte
		if len(params) > 0 && params[0] == '"' {
			end := bytes.IndexByte(params[1:], '"')
			if end < 0 {
				return "", false
			}
			val, params = params[1:1+end], params[2+end:]
		} else {
			end := bytes.IndexByte(params, ',')
			if end < 0 {
				end = len(params)
			}
			val, params = bytes.TrimSpace(params[:end]), params[end:]
		}
		if bytes.EqualFold(key, []byte(name)) {
			if !utf8.Valid(val) || !printable(val) {
				return "", false
			}
			return string(val), true
		}
	}
	return "", false
}

// printable reports whether b has no control characters.
func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == 0x7F {
			return false
		}
	}
	return true
}

// setUser keeps the first user ID seen on the flow.
func setUser(v *detect.Verdict, user string) {
	if v.User == "" {
		v.User = user
	}
}
