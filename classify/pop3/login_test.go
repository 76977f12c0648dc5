package pop3

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// login builds a POP3 login around a password: USER/PASS, AUTH PLAIN with
// the initial response or after a "+" continuation, AUTH LOGIN, or APOP
// (RFC 1939 §7: the MD5 digest of the greeting's timestamp and the
// password), after a greeting of fuzzed text.
func login(mode uint8, user, banner []byte) func(pw []byte) detecttest.Login {
	u := detecttest.Keep(user, 64, "bob", detecttest.Graphic)
	g := detecttest.Keep(banner, 200, "POP3 ready", detecttest.TextByte)
	greet := detecttest.Cat("+OK ", g, " <1896.697170952@dbc.example>\r\n")
	return func(pw []byte) detecttest.Login {
		l := detecttest.Login{In: detect.Input{ServerPort: 110, Transport: 6}, Forms: [][]byte{pw}, Kind: detect.KindCleartextPassword}
		plain := detecttest.B64(detecttest.Cat(byte(0), u, byte(0), pw))
		switch mode % 5 {
		case 0:
			l.In.C2S = detecttest.Cat("USER ", u, "\r\nPASS ", pw, "\r\nSTAT\r\n")
			l.In.S2C = detecttest.Cat(greet, "+OK\r\n+OK Logged in.\r\n+OK 0 0\r\n")
			l.User = string(u)
		case 1:
			l.In.C2S = detecttest.Cat("AUTH PLAIN ", plain, "\r\nSTAT\r\n")
			l.In.S2C = detecttest.Cat(greet, "+OK Logged in.\r\n+OK 0 0\r\n")
			l.Forms = append(l.Forms, plain)
			l.User = string(u)
		case 2:
			l.In.C2S = detecttest.Cat("CAPA\r\nAUTH PLAIN\r\n", plain, "\r\nSTAT\r\n")
			l.In.S2C = detecttest.Cat(greet, "+OK\r\nSASL PLAIN\r\n.\r\n+ \r\n+OK Logged in.\r\n+OK 0 0\r\n")
			l.Forms = append(l.Forms, plain)
			l.User = string(u)
		case 3:
			b := detecttest.B64(pw)
			l.In.C2S = detecttest.Cat("AUTH LOGIN\r\n", detecttest.B64(u), "\r\n", b, "\r\nSTAT\r\n")
			l.In.S2C = detecttest.Cat(greet, "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+OK Logged in.\r\n+OK 0 0\r\n")
			l.Forms = append(l.Forms, b)
			l.User = string(u)
		case 4:
			// APOP sends no password, but its digest beside the
			// greeting's timestamp is as guessable as a substitute.
			sum := md5.Sum(detecttest.Cat("<1896.697170952@dbc.example>", pw))
			d := []byte(hex.EncodeToString(sum[:]))
			l.In.C2S = detecttest.Cat("APOP ", u, " ", d, "\r\nSTAT\r\n")
			l.In.S2C = detecttest.Cat(greet, "+OK maildrop locked\r\n+OK 0 0\r\n")
			l.Forms, l.Kind = append(l.Forms, d), detect.KindPasswordHashExposed
			l.User = string(u)
		}
		return l
	}
}

// FuzzPOP3Login is the secret oracle: around a fuzzed password, user and
// greeting, no form of the password reaches the verdict (detecttest.CheckLogin).
func FuzzPOP3Login(f *testing.F) {
	// AUTH LOGIN passwords whose base64 spells a command (the walk once
	// read them as STLS and USER).
	for _, cmd := range []string{"STLS", "USER"} {
		pw, _ := base64.StdEncoding.DecodeString(cmd)
		f.Add(uint8(3), []byte("bob"), pw, []byte("ready"))
	}
	detecttest.FuzzLogin(f, Detect, login, 5, detecttest.AnyMode(detecttest.NotLineEnd), "ibmitst", "Fake-Pw-mail-5T", "Dovecot ready.")
}
