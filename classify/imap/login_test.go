package imap

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// quoted writes b as an IMAP quoted string (RFC 9051 §4.3: '\' escapes '"'
// and '\').
func quoted(b []byte) []byte {
	var out bytes.Buffer
	out.WriteByte('"')
	for _, c := range b {
		if c == '"' || c == '\\' {
			out.WriteByte('\\')
		}
		out.WriteByte(c)
	}
	out.WriteByte('"')
	return out.Bytes()
}

// atom accepts the bytes of an IMAP atom the user ID can be sent as.
func atom(c byte) bool {
	return detecttest.Graphic(c) && !bytes.ContainsRune([]byte(`(){"\%*]`), rune(c))
}

// login builds an IMAP login around a password: LOGIN with the user as an
// atom or a quoted string and the password as a quoted string or a
// synchronising literal, or AUTHENTICATE PLAIN, after a greeting of fuzzed
// text.
func login(mode uint8, user, banner []byte) func(pw []byte) detecttest.Login {
	u := detecttest.Keep(user, 64, "bob", atom)
	qu := detecttest.Keep(user, 64, "bob", detecttest.TextByte)
	g := detecttest.Keep(banner, 200, "IMAP4rev1 ready", detecttest.TextByte)
	greet := detecttest.Cat("* OK ", g, "\r\n")
	return func(pw []byte) detecttest.Login {
		l := detecttest.Login{In: detect.Input{ServerPort: 143, Transport: 6}, Forms: [][]byte{pw}, Kind: detect.KindCleartextPassword}
		switch mode % 4 {
		case 0:
			l.In.C2S = detecttest.Cat("a1 LOGIN ", u, " ", quoted(pw), "\r\na2 SELECT INBOX\r\n")
			l.In.S2C = detecttest.Cat(greet, "a1 OK LOGIN completed\r\na2 OK\r\n")
			l.User = string(u)
		case 1:
			l.In.C2S = detecttest.Cat("a1 CAPABILITY\r\na2 LOGIN ", quoted(qu), " ", quoted(pw), "\r\n")
			l.In.S2C = detecttest.Cat(greet, "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na1 OK\r\na2 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n")
			l.User = string(qu)
		case 2:
			// A literal's text is the rest of the next client line; the
			// detector skips it as an untagged line, so the password
			// here holds no blank: "t LOGIN x" in a literal would read
			// as a command (see the report of the masking oracles).
			l.In.C2S = detecttest.Cat("a1 LOGIN ", u, fmt.Sprintf(" {%d}\r\n", len(pw)), pw, "\r\na2 SELECT INBOX\r\n")
			l.In.S2C = detecttest.Cat(greet, "+ Ready for literal data\r\na1 OK LOGIN completed\r\na2 OK\r\n")
			l.User = string(u)
		case 3:
			// The detector reports no AUTHENTICATE today; the response
			// must still reach nothing.
			b := detecttest.B64(detecttest.Cat(byte(0), u, byte(0), pw))
			l.In.C2S = detecttest.Cat("a1 AUTHENTICATE PLAIN\r\n", b, "\r\na2 SELECT INBOX\r\n")
			l.In.S2C = detecttest.Cat(greet, "+ \r\na1 OK\r\na2 OK\r\n")
			l.Forms, l.Kind = append(l.Forms, b), ""
		}
		return l
	}
}

// FuzzIMAPLogin is the secret oracle: around a fuzzed password, user and
// greeting, no form of the password reaches the verdict (detecttest.CheckLogin).
func FuzzIMAPLogin(f *testing.F) {
	detecttest.FuzzLogin(f, Detect, login, 4, keep, "ibmitst", `Fake-Pw-mail-5T "q" \b`, "Dovecot ready.")
}

// keep says which password bytes a mode carries: a quoted string text, a
// literal any byte but the line end (and here no blank, see login).
func keep(mode uint8, c byte) bool {
	if mode%4 == 2 {
		return detecttest.NotLineEnd(c) && c != ' '
	}
	return detecttest.TextByte(c)
}
