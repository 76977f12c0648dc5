package http

import (
	"bytes"
	"strings"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// maxName bounds a form field name (decoded) that is looked at.
const maxName = 64

// formCredentials reports a password field in urlencoded form data (a POST
// body, or a query string when query is set). A query string only counts with
// an unambiguous field name: "pwd=" there is as likely a directory.
func formCredentials(data []byte, query bool, v *detect.Verdict) {
	var user string
	found := false
	for i := 0; len(data) > 0 && i < 256; i++ {
		var field []byte
		if amp := bytes.IndexByte(data, '&'); amp >= 0 {
			field, data = data[:amp], data[amp+1:]
		} else {
			field, data = data, nil
		}
		eq := bytes.IndexByte(field, '=')
		if eq <= 0 {
			continue
		}
		name := strings.ToLower(unescape(field[:eq], maxName+1))
		if len(name) > maxName {
			// Cut short, the name could lose the word that marks it a
			// secret ("user…pass"): such a field is neither user nor password.
			continue
		}
		val := field[eq+1:]
		switch {
		case passwordField(name, query):
			if len(val) > 0 {
				found = true
			}
		case user == "" && userField(name):
			if u := unescape(val, 256); u != "" && printable([]byte(u)) {
				user = u
			}
		}
	}
	if !found {
		return
	}
	if user != "" {
		setUser(v, user)
	}
	proto, msg := "http form", "login form posts the password in clear"
	if query {
		proto, msg = "http query", "request URL carries a password in clear"
	}
	v.Add(detect.Finding{
		Kind:     detect.KindCleartextPassword,
		Severity: detect.SevCritical,
		Message:  msg,
		User:     user,
		Protocol: proto,
	})
}

// passwordField reports whether a form field name names a password.
func passwordField(name string, strict bool) bool {
	if strings.Contains(name, "password") || strings.Contains(name, "passwd") {
		return true
	}
	if strict {
		return false
	}
	return strings.Contains(name, "pwd") || name == "pass" || name == "pw"
}

// secretWords mark a field name as holding a secret; such a field is never
// taken for the user ID, whatever else its name contains ("userpass",
// "user_pwd", "user_token").
var secretWords = [...]string{"pass", "pw", "pwd", "pin", "secret", "token", "key", "auth", "cred"}

// secretField reports whether a form field name suggests a secret.
func secretField(name string) bool {
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// userField reports whether a form field name names a user ID.
func userField(name string) bool {
	if secretField(name) {
		return false
	}
	if strings.Contains(name, "user") {
		return true
	}
	switch name {
	case "login", "logon", "loginid", "uid", "usr", "account", "email", "principal", "profile":
		return true
	}
	return false
}

// unescape decodes %XX and '+' of a urlencoded name or value, up to max bytes
// of output; malformed escapes are kept as they are.
func unescape(b []byte, max int) string {
	var sb strings.Builder
	for i := 0; i < len(b) && sb.Len() < max; i++ {
		c := b[i]
		switch {
		case c == '+':
			sb.WriteByte(' ')
		case c == '%' && i+2 < len(b) && hexDigit(b[i+1]) >= 0 && hexDigit(b[i+2]) >= 0:
			sb.WriteByte(byte(hexDigit(b[i+1])<<4 | hexDigit(b[i+2])))
			i += 2
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// hexDigit returns the value of a hexadecimal digit, -1 for other bytes.
func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
