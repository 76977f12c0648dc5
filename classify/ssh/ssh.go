package ssh

import (
	"bytes"
	"unicode/utf8"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Limits from RFC 4253 §4.2: lines are at most 255 bytes; a server may send
// other lines before its identification string.
const (
	maxLine     = 255
	maxPreLines = 16
)

// Detect recognises an SSH identification string at the start of the client
// head or, after optional text lines, of the server head.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.Transport != 6 {
		return false
	}
	if _, ok := Version(in.C2S, false); !ok {
		if _, ok := Version(in.S2C, true); !ok {
			if !mayIdentify(in.C2S) && len(in.C2S) > 0 {
				v.Wait.C2S = detect.Never // only the server's lines can still decide
			}
			return false
		}
	}
	v.Protocol = "ssh"
	v.Encrypted = true
	return true
}

// Version finds the identification string in b and returns its protocol
// version ("2.0", "1.99", "1.5"). The client must open with it; a server
// (preLines) may send other text lines first. The prefix "SSH-x.y-" is
// enough: the software version may still be on its way.
func Version(b []byte, preLines bool) (string, bool) {
	for i := 0; i <= maxPreLines; i++ {
		if v, ok := identification(b); ok {
			return v, true
		}
		if !preLines {
			return "", false
		}
		eol := bytes.IndexByte(b[:min(len(b), maxLine+1)], '\n')
		if eol < 0 || !text(b[:eol]) {
			return "", false
		}
		b = b[eol+1:]
	}
	return "", false
}

// identification parses "SSH-" protoversion "-" at the start of b.
func identification(b []byte) (string, bool) {
	if !bytes.HasPrefix(b, []byte("SSH-")) {
		return "", false
	}
	rest := b[4:min(len(b), 16)]
	dash := bytes.IndexByte(rest, '-')
	if dash < 3 {
		return "", false
	}
	ver := rest[:dash]
	dot := bytes.IndexByte(ver, '.')
	if dot != 1 || ver[0] < '1' || ver[0] > '2' || !digits(ver[2:]) {
		return "", false
	}
	return string(ver), true
}

func digits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// text reports whether a pre-identification line is printable UTF-8 (a
// trailing CR allowed): RFC 4253 §4.2 asks for UTF-8, and a line of random
// high bytes is then no text, so Reject can rule binary out on its first
// line.
func text(b []byte) bool {
	b = bytes.TrimSuffix(b, []byte{'\r'})
	for _, c := range b {
		if (c < 0x20 && c != '\t') || c == 0x7F {
			return false
		}
	}
	return utf8.Valid(b)
}

// Reject reports that no more bytes can make Detect match: not TCP, or a
// client that does not open with "SSH-" and a server whose lines cannot
// lead to the identification string whatever follows.
func Reject(in *detect.Input) bool {
	if in.Transport != 6 {
		return true
	}
	return len(in.C2S) > 0 && !mayIdentify(in.C2S) && serverRuledOut(in.S2C)
}

// mayIdentify reports whether b opens with the identification string or
// may still do so when more bytes come (identification reads 16 bytes).
func mayIdentify(b []byte) bool {
	if _, ok := identification(b); ok {
		return true
	}
	return len(b) < 16 && bytes.HasPrefix([]byte("SSH-"), b[:min(len(b), 4)])
}

// serverRuledOut mirrors Version(s, true) on the bytes there are: it
// reports true only when every longer head would fail it too. A line
// that may still become the identification (a prefix of "SSH-" and not
// yet the 16 bytes identification reads) keeps hope, as does a line
// not yet ended within a line's length.
func serverRuledOut(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for range maxPreLines + 1 {
		if mayIdentify(s) {
			return false
		}
		eol := bytes.IndexByte(s[:min(len(s), maxLine+1)], '\n')
		if eol < 0 {
			// The line is not over: bytes that already make it no text
			// (an invalid UTF-8 sequence may still be completed) or a
			// line longer than the limit rule it out.
			return len(s) > maxLine || badStart(s)
		}
		if !text(s[:eol]) {
			return true
		}
		s = s[eol+1:]
	}
	return true
}

// badStart reports whether the start of an unfinished line already holds a
// byte no text line may: a control byte, or UTF-8 that is invalid whatever
// follows (everything but an incomplete sequence at the end).
func badStart(s []byte) bool {
	for i, c := range s {
		if c == '\r' && i == len(s)-1 {
			continue
		}
		if (c < 0x20 && c != '\t') || c == 0x7F {
			return true
		}
	}
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r == utf8.RuneError && n <= 1 {
			return utf8.FullRune(s) // invalid, not merely cut short
		}
		s = s[n:]
	}
	return false
}
