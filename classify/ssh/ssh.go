package ssh

import (
	"bytes"

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

// text reports whether a pre-identification line is printable (a trailing
// CR allowed).
func text(b []byte) bool {
	b = bytes.TrimSuffix(b, []byte{'\r'})
	for _, c := range b {
		if (c < 0x20 && c != '\t') || c == 0x7F {
			return false
		}
	}
	return true
}

// Reject reports that no more bytes can make Detect match: not TCP, or a
// client that does not open with "SSH-" and a server whose first byte starts
// neither that nor a line of text.
func Reject(in *detect.Input) bool {
	if in.Transport != 6 {
		return true
	}
	c, s := in.C2S, in.S2C
	return len(c) > 0 && c[0] != 'S' && len(s) > 0 && s[0] != 'S' && badFirstLine(s)
}

// badFirstLine reports whether the server's first line can be neither the
// identification nor a line of text before it, whatever follows: a byte
// that is not text comes before the first line feed, or no line feed
// comes within a line's length.
func badFirstLine(s []byte) bool {
	for i, c := range s[:min(len(s), maxLine+1)] {
		switch {
		case c == '\n':
			return false
		case c == '\r' && (i+1 == len(s) || s[i+1] == '\n'):
		case (c < 0x20 && c != '\t') || c == 0x7F:
			return true
		}
	}
	return len(s) > maxLine
}
