package starttls

import (
	"bytes"
	"fmt"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/tls"
)

// MaxLine bounds a text protocol line. SMTP allows 512 octets for a command
// and a reply line (RFC 5321 §4.5.3.1), NNTP 512, POP3 255, IMAP has no
// limit but a greeting or command of a session that upgrades is short;
// 2048 leaves room for capability lists and rejects binary runs.
const MaxLine = 2048

// Line returns the first line of b without its line end, and the rest after
// it. ok is false when b holds no complete line within MaxLine bytes.
func Line(b []byte) (ln, rest []byte, ok bool) {
	n := len(b)
	if n > MaxLine+2 {
		n = MaxLine + 2
	}
	i := bytes.IndexByte(b[:n], '\n')
	if i < 0 {
		return nil, nil, false
	}
	ln = b[:i]
	if len(ln) > 0 && ln[len(ln)-1] == '\r' {
		ln = ln[:len(ln)-1]
	}
	return ln, b[i+1:], true
}

// CannotStart reports whether b's first line can begin with none of words
// (compared ignoring ASCII case), whatever bytes follow: the bytes there
// are already differ from every word's start. A line end among them
// differs too, since a line shorter than the word cannot hold it. An
// empty b can still start with anything.
func CannotStart(b []byte, words ...string) bool {
	for _, w := range words {
		p := b[:min(len(b), len(w))]
		if bytes.EqualFold(p, []byte(w[:len(p)])) {
			return false
		}
	}
	return true
}

// Text reports whether ln is printable text (tabs allowed; bytes above 0x7f
// allowed for UTF-8 greetings): what a text protocol line is made of.
func Text(ln []byte) bool {
	for _, c := range ln {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// Verb reports whether the first blank-separated word of ln is verb
// (ASCII, any case), and returns the rest after the blank.
func Verb(ln []byte, verb string) (rest []byte, ok bool) {
	n := len(verb)
	if len(ln) < n || !bytes.EqualFold(ln[:n], []byte(verb)) {
		return nil, false
	}
	if len(ln) == n {
		return nil, true
	}
	if ln[n] != ' ' {
		return nil, false
	}
	return ln[n+1:], true
}

// Code reads a three-digit reply code at the start of ln and the character
// after it (' ', '-' or 0 at the end of the line).
func Code(ln []byte) (code int, sep byte, ok bool) {
	if len(ln) < 3 {
		return 0, 0, false
	}
	for _, c := range ln[:3] {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 || code > 599 {
		return 0, 0, false
	}
	if len(ln) > 3 {
		sep = ln[3]
		if sep != ' ' && sep != '-' {
			return 0, 0, false
		}
	}
	return code, sep, true
}

// ContainsFold reports whether s contains the ASCII text sub, ignoring case.
func ContainsFold(s []byte, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if bytes.EqualFold(s[i:i+n], []byte(sub)) {
			return true
		}
	}
	return false
}

// Accepted records an upgrade the server accepted: the flow is encrypted
// from there, and c2s and s2c (the bytes after the upgrade in each
// direction) are read for the TLS handshake.
func Accepted(v *detect.Verdict, how string, c2s, s2c []byte) {
	v.Upgraded, v.UpgradeHow = true, how
	tls.Inspect(c2s, s2c, &v.TLS)
	if v.TLS.Alert {
		// The server agreed, then failed the handshake: nothing was
		// encrypted, and the session ends there.
		v.Upgraded = false
		v.Add(detect.Finding{
			Kind: detect.KindTLSUpgradeRefused, Severity: detect.SevMedium,
			Message:  fmt.Sprintf("%s accepted, but the server failed the TLS handshake with an alert", how),
			Protocol: how,
		})
	}
}

// Refused records an upgrade the client asked for and the server refused:
// the session goes on in clear (or ends). answer is the server's reply as
// the finding shows it (a reply code, "N", "<failure/>"); it must carry no
// secret.
func Refused(v *detect.Verdict, how, answer string) {
	v.Add(detect.Finding{
		Kind: detect.KindTLSUpgradeRefused, Severity: detect.SevMedium,
		Message:  fmt.Sprintf("%s refused by the server (%s); the session stays in clear", how, answer),
		Protocol: how,
	})
}

// NotOffered records a server that does not offer an upgrade a client can
// only ask for when it is offered (MySQL's CLIENT_SSL capability, TDS
// ENCRYPT_NOT_SUP).
func NotOffered(v *detect.Verdict, how, why string) {
	v.Add(detect.Finding{
		Kind: detect.KindTLSUpgradeRefused, Severity: detect.SevMedium,
		Message:  fmt.Sprintf("%s: %s; the session stays in clear", how, why),
		Protocol: how,
	})
}

// Reply reads one reply of a protocol with three-digit codes and '-'
// continuation lines (SMTP, FTP style): it returns the code of the final
// line and the bytes after it. ok is false when the head holds no complete
// reply or a line that is no reply.
func Reply(b []byte) (code int, rest []byte, ok bool) {
	for {
		ln, r, ok := Line(b)
		if !ok {
			return 0, nil, false
		}
		c, sep, ok := Code(ln)
		if !ok || code != 0 && c != code {
			return 0, nil, false
		}
		code, b = c, r
		if sep != '-' {
			return code, b, true
		}
	}
}

// SkipDotBlock skips the lines of a multi-line block up to and including
// the line holding a single "." (RFC 5321 DATA, POP3, NNTP), and returns
// what follows. ok is false when the head ends before the block does.
func SkipDotBlock(b []byte) (rest []byte, ok bool) {
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil, false
		}
		ln := b[:i]
		b = b[i+1:]
		if len(ln) > 0 && ln[len(ln)-1] == '\r' {
			ln = ln[:len(ln)-1]
		}
		if len(ln) == 1 && ln[0] == '.' {
			return b, true
		}
	}
}

// StartsTLS reports whether b starts with a TLS handshake record: the
// client's first bytes after an upgrade whose reply was not captured.
func StartsTLS(b []byte) bool {
	return len(b) >= 3 && b[0] == 0x16 && b[1] == 3 && b[2] <= 4
}
