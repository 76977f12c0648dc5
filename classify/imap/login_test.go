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
// synchronising literal, AUTHENTICATE PLAIN, or LOGIN with both as
// literals, after a greeting of fuzzed text.
func login(mode uint8, user, banner []byte) func(pw []byte) detecttest.Login {
	u := detecttest.Keep(user, 64, "bob", atom)
	qu := detecttest.Keep(user, 64, "bob", detecttest.TextByte)
	g := detecttest.Keep(banner, 200, "IMAP4rev1 ready", detecttest.TextByte)
	greet := detecttest.Cat("* OK ", g, "\r\n")
	return func(pw []byte) detecttest.Login {
		l := detecttest.Login{In: detect.Input{ServerPort: 143, Transport: 6}, Forms: [][]byte{pw}, Kind: detect.KindCleartextPassword}
		switch mode % 5 {
		case 0:
			l.In.C2S = detecttest.Cat("a1 LOGIN ", u, " ", quoted(pw), "\r\na2 SELECT INBOX\r\n")
			l.In.S2C = detecttest.Cat(greet, "a1 OK LOGIN completed\r\na2 OK\r\n")
			l.User = string(u)
		case 1:
			l.In.C2S = detecttest.Cat("a1 CAPABILITY\r\na2 LOGIN ", quoted(qu), " ", quoted(pw), "\r\n")
			l.In.S2C = detecttest.Cat(greet, "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na1 OK\r\na2 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n")
			l.User = string(qu)
		case 2:
			// The literal's bytes may read like a command ("t LOGIN
			// x"): the detector skips them by their count.
			l.In.C2S = detecttest.Cat("a1 LOGIN ", u, fmt.Sprintf(" {%d}\r\n", len(pw)), pw, "\r\na2 SELECT INBOX\r\n")
			l.In.S2C = detecttest.Cat(greet, "+ Ready for literal data\r\na1 OK LOGIN completed\r\na2 OK\r\n")
			l.User = string(u)
		case 4:
			// Both as literals, the second non-synchronising (RFC 7888).
			l.In.C2S = detecttest.Cat(fmt.Sprintf("a1 LOGIN {%d}\r\n", len(qu)), qu, fmt.Sprintf(" {%d+}\r\n", len(pw)), pw, "\r\na2 SELECT INBOX\r\n")
			l.In.S2C = detecttest.Cat(greet, "+ Ready for literal data\r\na1 OK LOGIN completed\r\na2 OK\r\n")
			l.User = string(qu)
		case 3:
			b := detecttest.B64(detecttest.Cat(byte(0), u, byte(0), pw))
			l.In.C2S = detecttest.Cat("a1 AUTHENTICATE PLAIN\r\n", b, "\r\na2 SELECT INBOX\r\n")
			l.In.S2C = detecttest.Cat(greet, "+ \r\na1 OK\r\na2 OK\r\n")
			l.Forms = append(l.Forms, b)
			l.User = string(u)
		}
		return l
	}
}

// FuzzIMAPLogin is the secret oracle: around a fuzzed password, user and
// greeting, no form of the password reaches the verdict (detecttest.CheckLogin).
func FuzzIMAPLogin(f *testing.F) {
	// A literal password that reads like commands (the walk once took it
	// for them).
	f.Add(uint8(2), []byte("bob"), []byte("t LOGIN topsecret\r\nu STARTTLS"), []byte("ready"))
	detecttest.FuzzLogin(f, Detect, login, 5, keep, "ibmitst", `Fake-Pw-mail-5T "q" \b`, "Dovecot ready.")
}

// TestLiteralPasswordNotACommand is the regression of a password sent as a
// literal that reads like a tagged LOGIN: its bytes were walked as a
// command, and the "user" of that command was the password.
func TestLiteralPasswordNotACommand(t *testing.T) {
	for _, open := range []string{"{17}", "{17+}"} {
		in := detect.Input{ServerPort: 143, Transport: 6,
			C2S: []byte("a1 LOGIN bob " + open + "\r\nt LOGIN topsecret\r\na2 SELECT INBOX\r\n"),
			S2C: []byte("* OK ready\r\n+ Ready\r\na1 OK\r\na2 OK\r\n")}
		var v detect.Verdict
		if !Detect(&in, &v) {
			t.Fatalf("%s: not recognised", open)
		}
		for _, s := range detecttest.Strings(&v) {
			if bytes.Contains([]byte(s), []byte("topsecret")) {
				t.Fatalf("%s: the password reached the verdict: %q", open, detecttest.Strings(&v))
			}
		}
		if v.User != "bob" || len(v.Findings) != 1 {
			t.Errorf("%s: user %q findings %s, want bob and one", open, v.User, detecttest.Kinds(&v))
		}
	}
}

// keep says which password bytes a mode carries: a quoted string text, a
// literal any byte (a line end too: its count frames it).
func keep(mode uint8, c byte) bool {
	if m := mode % 5; m == 2 || m == 4 {
		return true
	}
	return detecttest.TextByte(c)
}
