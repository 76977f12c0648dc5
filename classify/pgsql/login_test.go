package pgsql

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// msg frames a PostgreSQL message: a type byte (0 for none, as in the
// StartupMessage and SSLRequest) and a length that counts itself.
func msg(typ byte, body []byte) []byte {
	var out []byte
	if typ != 0 {
		out = append(out, typ)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(4+len(body)))
	return append(out, body...)
}

// auth is an AuthenticationRequest of the given code and data.
func auth(code uint32, data []byte) []byte {
	return msg('R', append(binary.BigEndian.AppendUint32(nil, code), data...))
}

// login builds a PostgreSQL login around a password (protocol 3.0):
// cleartext password authentication with or without a refused SSLRequest
// first, MD5 authentication, or SCRAM-SHA-256 (here with a proof derived
// from the password by one SHA-256, which is all the wire shows of it).
func login(mode uint8, user, db []byte) func(pw []byte) detecttest.Login {
	u := detecttest.Keep(user, 64, "bob", func(c byte) bool { return c != 0 })
	d := detecttest.Keep(db, 64, "postgres", func(c byte) bool { return c != 0 })
	startup := msg(0, detecttest.Cat(binary.BigEndian.AppendUint32(nil, protocol3), "user\x00", u, "\x00database\x00", d, "\x00\x00"))
	ok := detecttest.Cat(auth(0, nil), msg('Z', []byte("I")))
	return func(pw []byte) detecttest.Login {
		l := detecttest.Login{In: detect.Input{ServerPort: 5432, Transport: 6}, Forms: [][]byte{pw}, Kind: detect.KindCleartextPassword, User: string(u)}
		switch mode % 4 {
		case 0:
			l.In.C2S = detecttest.Cat(startup, msg('p', detecttest.Cat(pw, byte(0))))
			l.In.S2C = detecttest.Cat(auth(3, nil), ok)
		case 1:
			ssl := msg(0, binary.BigEndian.AppendUint32(nil, sslRequest))
			l.In.C2S = detecttest.Cat(ssl, startup, msg('p', detecttest.Cat(pw, byte(0))))
			l.In.S2C = detecttest.Cat("N", auth(3, nil), ok)
		case 2:
			// md5(md5(password + user) + salt), in hex after "md5".
			salt := []byte{0x5a, 0x17, 0xc3, 0x01}
			inner := md5.Sum(detecttest.Cat(pw, u))
			outer := md5.Sum(detecttest.Cat(hex.EncodeToString(inner[:]), salt))
			h := detecttest.Cat("md5", hex.EncodeToString(outer[:]))
			l.In.C2S = detecttest.Cat(startup, msg('p', detecttest.Cat(h, byte(0))))
			l.In.S2C = detecttest.Cat(auth(5, salt), ok)
			l.Forms, l.Kind = append(l.Forms, h), detect.KindPasswordHashExposed
		case 3:
			proof := sha256.Sum256(pw)
			first := []byte("n,,n=,r=rOprNGfwEbeRWgbNEkqO")
			final := detecttest.Cat("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=", detecttest.B64(proof[:]))
			init := detecttest.Cat("SCRAM-SHA-256\x00", binary.BigEndian.AppendUint32(nil, uint32(len(first))), first)
			l.In.C2S = detecttest.Cat(startup, msg('p', init), msg('p', final))
			l.In.S2C = detecttest.Cat(auth(10, []byte("SCRAM-SHA-256\x00\x00")),
				auth(11, []byte("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")),
				auth(12, []byte("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")), ok)
			l.Forms, l.Kind = append(l.Forms, proof[:]), ""
		}
		return l
	}
}

// FuzzPgSQLLogin is the secret oracle: around a fuzzed password, user and
// database, no form of the password reaches the verdict (detecttest.CheckLogin).
func FuzzPgSQLLogin(f *testing.F) {
	detecttest.FuzzLogin(f, Detect, login, 4, detecttest.AnyMode(detecttest.NotNUL), "ibmitst", "Fake-Pw-pgsql-3K", "ibmitap")
}
