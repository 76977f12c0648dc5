package http

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// authorization reports the credentials in an Authorization or
// Proxy-Authorization header value.
func authorization(value []byte, v *detect.Verdict) {
	sp := bytes.IndexByte(value, ' ')
	if sp <= 0 {
		return
	}
	scheme, rest := value[:sp], bytes.TrimSpace(value[sp+1:])
	switch {
	case bytes.EqualFold(scheme, []byte("Basic")):
		user, ok := basicUser(rest)
		if !ok {
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
	}
}

// basicUser decodes base64(user ":" password) and returns the user part. The
// password is decoded into a scratch buffer and never leaves this function.
func basicUser(b64 []byte) (string, bool) {
	b64 = bytes.TrimRight(b64, "=")
	if len(b64) == 0 || len(b64) > 4096 {
		return "", false
	}
	buf := make([]byte, base64.RawStdEncoding.DecodedLen(len(b64)))
	n, err := base64.RawStdEncoding.Decode(buf, b64)
	if err != nil {
		return "", false
	}
	dec := buf[:n]
	colon := bytes.IndexByte(dec, ':')
	clear(buf[colon+1:]) // the password: not kept past this call
	if colon < 0 {
		return "", false
	}
	user := dec[:colon]
	if !utf8.Valid(user) || !printable(user) {
		return "", false
	}
	return string(user), true
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
