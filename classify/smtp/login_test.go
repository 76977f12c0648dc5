package smtp

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// login builds an SMTP AUTH around a password (RFC 4954): PLAIN with the
// initial response or after a 334, LOGIN with the user in the command or
// after a 334, after a greeting and EHLO of fuzzed text.
func login(mode uint8, user, banner []byte) func(pw []byte) detecttest.Login {
	u := detecttest.Keep(user, 64, "bob", detecttest.Graphic)
	g := detecttest.Keep(banner, 200, "mail.example ESMTP", detecttest.TextByte)
	h := detecttest.Keep(banner, 64, "client.example", detecttest.Graphic)
	hello := detecttest.Cat("EHLO ", h, "\r\n")
	greet := detecttest.Cat("220 ", g, "\r\n250-mail.example\r\n250 AUTH PLAIN LOGIN\r\n")
	return func(pw []byte) detecttest.Login {
		l := detecttest.Login{In: detect.Input{ServerPort: 25, Transport: 6}, Forms: [][]byte{pw}, Kind: detect.KindCleartextPassword, User: string(u)}
		plain := detecttest.B64(detecttest.Cat(byte(0), u, byte(0), pw))
		b := detecttest.B64(pw)
		switch mode % 4 {
		case 0:
			l.In.C2S = detecttest.Cat(hello, "AUTH PLAIN ", plain, "\r\nMAIL FROM:<a@b>\r\n")
			l.In.S2C = detecttest.Cat(greet, "235 2.7.0 Authentication successful\r\n250 OK\r\n")
			l.Forms = append(l.Forms, plain)
		case 1:
			l.In.C2S = detecttest.Cat(hello, "AUTH PLAIN\r\n", plain, "\r\nMAIL FROM:<a@b>\r\n")
			l.In.S2C = detecttest.Cat(greet, "334 \r\n535 5.7.8 Authentication failed\r\n250 OK\r\n")
			l.Forms = append(l.Forms, plain)
		case 2:
			l.In.C2S = detecttest.Cat(hello, "AUTH LOGIN\r\n", detecttest.B64(u), "\r\n", b, "\r\nMAIL FROM:<a@b>\r\n")
			l.In.S2C = detecttest.Cat(greet, "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n250 OK\r\n")
			l.Forms = append(l.Forms, b)
		case 3:
			l.In.C2S = detecttest.Cat(hello, "AUTH LOGIN ", detecttest.B64(u), "\r\n", b, "\r\nMAIL FROM:<a@b>\r\n")
			l.In.S2C = detecttest.Cat(greet, "334 UGFzc3dvcmQ6\r\n235 ok\r\n250 OK\r\n")
			l.Forms = append(l.Forms, b)
		}
		return l
	}
}

// FuzzSMTPLogin is the secret oracle: around a fuzzed password, user and
// greeting, no form of the password reaches the verdict (detecttest.CheckLogin).
// The password travels in base64, so any byte but the NUL that separates
// PLAIN's fields can be in it.
func FuzzSMTPLogin(f *testing.F) {
	detecttest.FuzzLogin(f, Detect, login, 4, detecttest.AnyMode(detecttest.NotNUL), "ibmitst", "Fake-Pw-smtp-8R", "mail.example ESMTP Postfix")
}
