package nntp

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// login builds an NNTP login around a password (RFC 4643): AUTHINFO
// USER/PASS, opened by CAPABILITIES or not, or AUTHINFO SASL PLAIN with an
// initial response or after a 383 continuation, after a greeting of fuzzed text.
func login(mode uint8, user, banner []byte) func(pw []byte) detecttest.Login {
	u := detecttest.Keep(user, 64, "bob", detecttest.Graphic)
	g := detecttest.Keep(banner, 200, "news.example NNTP ready", detecttest.TextByte)
	greet := detecttest.Cat("200 ", g, "\r\n")
	return func(pw []byte) detecttest.Login {
		l := detecttest.Login{In: detect.Input{ServerPort: 119, Transport: 6}, Forms: [][]byte{pw}, Kind: detect.KindCleartextPassword, User: string(u)}
		switch mode % 4 {
		case 0:
			l.In.C2S = detecttest.Cat("AUTHINFO USER ", u, "\r\nAUTHINFO PASS ", pw, "\r\nGROUP misc\r\n")
			l.In.S2C = detecttest.Cat(greet, "381 Password required\r\n281 Authentication accepted\r\n211 0 0 0 misc\r\n")
		case 1:
			l.In.C2S = detecttest.Cat("CAPABILITIES\r\nAUTHINFO USER ", u, "\r\nAUTHINFO PASS ", pw, "\r\n")
			l.In.S2C = detecttest.Cat(greet, "101 Capability list:\r\nVERSION 2\r\nAUTHINFO USER\r\n.\r\n381 Password required\r\n481 Authentication failed\r\n")
		case 2:
			b := detecttest.B64(detecttest.Cat(byte(0), u, byte(0), pw))
			l.In.C2S = detecttest.Cat("AUTHINFO SASL PLAIN ", b, "\r\nGROUP misc\r\n")
			l.In.S2C = detecttest.Cat(greet, "281 Authentication accepted\r\n211 0 0 0 misc\r\n")
			l.Forms = append(l.Forms, b)
		case 3:
			b := detecttest.B64(detecttest.Cat(byte(0), u, byte(0), pw))
			l.In.C2S = detecttest.Cat("AUTHINFO SASL PLAIN\r\n", b, "\r\nGROUP misc\r\n")
			l.In.S2C = detecttest.Cat(greet, "383 \r\n281 Authentication accepted\r\n211 0 0 0 misc\r\n")
			l.Forms = append(l.Forms, b)
		}
		return l
	}
}

// FuzzNNTPLogin is the secret oracle: around a fuzzed password, user and
// greeting, no form of the password reaches the verdict (detecttest.CheckLogin).
func FuzzNNTPLogin(f *testing.F) {
	detecttest.FuzzLogin(f, Detect, login, 4, detecttest.AnyMode(detecttest.NotLineEnd), "ibmitst", "Fake-Pw-mail-5T", "InterNetNews server ready")
}
