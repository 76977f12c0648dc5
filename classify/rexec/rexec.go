package rexec

import (
	"bytes"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Port is the well-known rexec port.
const Port = 512

// Field limits: generous for real clients (user names are at most 32 bytes on
// Unix, 10 on IBM i), small enough to reject other protocols quickly.
const (
	maxPortLen = 5
	maxUserLen = 64
	maxPassLen = 256
)

// Detect recognises an rexec request at the start of the client head and
// reports the clear-text password (with the user ID) and the command length.
//
// rsh (514) and rlogin (513) share the NUL-separated layout without a
// password, so those ports are never rexec. Off port 512 more is asked, so
// that rsh, rlogin and stray NUL-separated bytes on other ports stay out:
// the request must be complete (command NUL seen); the stderr-port field must
// hold a port, or the server must have answered with rexecd's one NUL byte;
// and a stderr port in 512-1023 is rsh's (rcmd binds it with rresvport, while
// rexec(3) takes any ephemeral port).
// On every port a command shaped like rlogin's "term/speed" is no command,
// and an empty password raises only the user ID.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.Transport != 6 || in.MidStream || in.ServerPort == 513 || in.ServerPort == 514 {
		return false
	}
	r, ok := Parse(in.C2S)
	if !ok || r.TermSpeed {
		return false
	}
	if in.ServerPort != Port {
		if !r.Complete || r.StderrPort >= 512 && r.StderrPort <= 1023 {
			return false
		}
		if !r.HasStderrPort && (len(in.S2C) == 0 || in.S2C[0] != 0) {
			return false
		}
	} else if !r.Complete && !(in.C2SFull || in.C2SHole) {
		return false
	}
	v.Protocol = "rexec"
	v.User = r.User
	if r.PasswordLen > 0 {
		v.Add(detect.Finding{
			Kind:     detect.KindCleartextPassword,
			Severity: detect.SevCritical,
			Message:  "rexec sends the password in clear",
			User:     r.User,
			Protocol: "rexec",
		})
	} else {
		v.Add(detect.Finding{
			Kind:     detect.KindUserIDExposed,
			Severity: detect.SevLow,
			Message:  "rexec sends the user ID in clear (empty password)",
			User:     r.User,
			Protocol: "rexec",
		})
	}
	if r.CommandLen > 0 {
		v.Add(detect.Finding{
			Kind:     detect.KindSensitiveDataVisible,
			Severity: detect.SevMedium,
			Message:  "rexec command text visible in clear",
			User:     r.User,
			Protocol: "rexec",
			Record:   "cl-command",
			Length:   r.CommandLen,
		})
	}
	return true
}

// Request is what Parse learns from an rexec request; it never holds the
// password.
type Request struct {
	StderrPort    int  // 0 when the client asked for no separate stderr connection
	HasStderrPort bool // the stderr-port field is not empty
	User          string
	PasswordLen   int
	CommandLen    int
	Complete      bool // the command's terminating NUL was seen
	// TermSpeed is set when the command looks like rlogin's terminal
	// type and speed ("xterm/38400"): the bytes are an rlogin request.
	TermSpeed bool
}

// Parse reads "port NUL user NUL password NUL command [NUL]" at the start of
// b. ok is false unless every field seen so far fits the layout and at least
// the first command byte is present.
func Parse(b []byte) (Request, bool) {
	var r Request
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		r.StderrPort = r.StderrPort*10 + int(b[i]-'0')
		i++
		if i > maxPortLen {
			return Request{}, false
		}
	}
	if i >= len(b) || b[i] != 0 || r.StderrPort > 65535 {
		return Request{}, false
	}
	r.HasStderrPort = i > 0
	rest := b[i+1:]
	user, rest, ok := field(rest, maxUserLen)
	if !ok || len(user) == 0 || !nameBytes(user) {
		return Request{}, false
	}
	pass, rest, ok := field(rest, maxPassLen)
	if !ok || !textBytes(pass, false) {
		return Request{}, false
	}
	end := bytes.IndexByte(rest, 0)
	cmd := rest
	if end >= 0 {
		cmd = rest[:end]
		r.Complete = true
	}
	if len(cmd) == 0 || !textBytes(cmd, true) {
		return Request{}, false
	}
	r.User = string(user)
	r.PasswordLen = len(pass)
	r.CommandLen = len(cmd)
	r.TermSpeed = termSpeed(cmd)
	return r, true
}

// termSpeed reports whether a command reads like rlogin's terminal field,
// [a-z0-9-]+/[0-9]+ ("xterm/38400", "vt100/9600").
func termSpeed(cmd []byte) bool {
	slash := bytes.IndexByte(cmd, '/')
	if slash <= 0 || slash == len(cmd)-1 {
		return false
	}
	for _, c := range cmd[:slash] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	for _, c := range cmd[slash+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// field splits b at its first NUL; ok is false when no NUL is within max
// bytes.
func field(b []byte, max int) (f, rest []byte, ok bool) {
	n := bytes.IndexByte(b[:min(len(b), max+1)], 0)
	if n < 0 {
		return nil, nil, false
	}
	return b[:n], b[n+1:], true
}

// nameBytes reports whether a user name is printable ASCII without blanks.
func nameBytes(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7F {
			return false
		}
	}
	return true
}

// textBytes reports whether b is printable text (any byte from 0x20 up, so
// UTF-8 and Latin-1 pass); tabs and line ends pass when multiline is set.
func textBytes(b []byte, multiline bool) bool {
	for _, c := range b {
		if c >= 0x20 && c != 0x7F {
			continue
		}
		if multiline && (c == '\t' || c == '\n' || c == '\r') {
			continue
		}
		return false
	}
	return true
}

// Reject reports that no more bytes can make Detect match: not a TCP flow
// whose start was captured, an rlogin or rsh port, or a client that does not
// open with a stderr port number or NUL.
func Reject(in *detect.Input) bool {
	if in.Transport != 6 || in.MidStream || in.ServerPort == 513 || in.ServerPort == 514 {
		return true
	}
	// Parse: up to maxPortLen digits, then NUL.
	c := in.C2S
	i := 0
	for i < len(c) && i <= maxPortLen && c[i] >= '0' && c[i] <= '9' {
		i++
	}
	if i > maxPortLen || i < len(c) && c[i] != 0 {
		return true
	}
	if i == len(c) {
		return false
	}
	// The user field: a non-empty name, NUL-terminated within
	// maxUserLen bytes (Parse's field and nameBytes).
	user := c[i+1:]
	for j, b := range user[:min(len(user), maxUserLen+1)] {
		if b == 0 {
			return j == 0
		}
		if b <= ' ' || b >= 0x7F {
			return true
		}
	}
	return len(user) > maxUserLen
}
