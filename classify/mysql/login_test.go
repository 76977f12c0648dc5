package mysql

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// myPacket frames a MySQL packet: a 3-byte little-endian length and a
// sequence number.
func myPacket(seq byte, payload []byte) []byte {
	n := len(payload)
	return append([]byte{byte(n), byte(n >> 8), byte(n >> 16), seq}, payload...)
}

// The 20 bytes of the greeting's auth-plugin-data.
var salt = []byte("0123456789abcdefghij")

// greeting is a HandshakeV10 (protocol 4.1, secure connection, plugin
// auth) with CLIENT_SSL when ssl is set.
func greeting(ssl bool, plugin string) []byte {
	low := uint16(0xf7ff) // every capability below 1<<16 but CLIENT_SSL
	if ssl {
		low |= clientSSL
	}
	p := detecttest.Cat(byte(10), "8.0.36\x00", []byte{7, 0, 0, 0}, salt[:8], byte(0))
	p = binary.LittleEndian.AppendUint16(p, low)
	p = append(p, 0xff, 2, 0)                       // charset, status
	p = binary.LittleEndian.AppendUint16(p, 0x000f) // plugin auth and below
	p = append(p, 21)
	p = append(p, make([]byte, 10)...)
	p = detecttest.Cat(p, salt[8:], byte(0), plugin, byte(0))
	return myPacket(0, p)
}

// xor returns a XOR b (same length).
func xor(a, b []byte) []byte {
	out := make([]byte, len(a))
	for i := range a {
		out[i] = a[i] ^ b[i]
	}
	return out
}

// native is mysql_native_password's scramble: SHA1(pw) XOR
// SHA1(salt + SHA1(SHA1(pw))).
func native(pw []byte) []byte {
	h1 := sha1.Sum(pw)
	h2 := sha1.Sum(h1[:])
	h3 := sha1.Sum(detecttest.Cat(salt, h2[:]))
	return xor(h1[:], h3[:])
}

// sha2 is caching_sha2_password's scramble: SHA256(pw) XOR
// SHA256(SHA256(SHA256(pw)) + salt).
func sha2(pw []byte) []byte {
	h1 := sha256.Sum256(pw)
	h2 := sha256.Sum256(h1[:])
	h3 := sha256.Sum256(detecttest.Cat(h2[:], salt))
	return xor(h1[:], h3[:])
}

// login builds a MySQL login around a password: a HandshakeResponse41 with
// a mysql_native_password or caching_sha2_password scramble, or with
// mysql_clear_password's password itself, or a native scramble the server
// answers with an AuthSwitchRequest to mysql_clear_password, to a server
// with or without CLIENT_SSL, the database name from fuzzed bytes.
func login(mode uint8, user, db []byte) func(pw []byte) detecttest.Login {
	u := detecttest.Keep(user, 64, "bob", func(c byte) bool { return c != 0 && detecttest.TextByte(c) })
	d := detecttest.Keep(db, 64, "test", func(c byte) bool { return c != 0 })
	plugins := []string{"mysql_native_password", "caching_sha2_password", "mysql_clear_password", "mysql_native_password"}
	plugin := plugins[mode%4]
	switched := mode%4 == 3
	ssl := mode/4%2 == 1
	return func(pw []byte) detecttest.Login {
		var resp []byte
		switch plugin {
		case "mysql_native_password":
			resp = native(pw)
		case "caching_sha2_password":
			resp = sha2(pw)
		default:
			resp = detecttest.Cat(pw, byte(0))
		}
		p := binary.LittleEndian.AppendUint32(nil, 0x000aa20f) // protocol 4.1, secure connection, plugin auth, with DB; no SSL
		p = binary.LittleEndian.AppendUint32(p, 1<<24)
		p = append(p, 0xff)
		p = append(p, make([]byte, 23)...)
		p = detecttest.Cat(p, u, byte(0), byte(len(resp)), resp, d, byte(0), plugin, byte(0))
		ok := []byte{0, 0, 0, 2, 0, 0, 0}
		l := detecttest.Login{
			In: detect.Input{
				C2S:        detecttest.Cat(myPacket(1, p), myPacket(0, []byte("\x03select 1"))),
				S2C:        detecttest.Cat(greeting(ssl, plugin), myPacket(2, ok)),
				ServerPort: 3306, Transport: 6,
			},
			Forms: [][]byte{pw, resp},
			User:  string(u),
			Kind:  detect.KindPasswordHashExposed,
		}
		switch {
		case switched:
			clear := detecttest.Cat(pw, byte(0))
			l.In.C2S = detecttest.Cat(myPacket(1, p), myPacket(3, clear), myPacket(0, []byte("\x03select 1")))
			l.In.S2C = detecttest.Cat(greeting(ssl, plugin), myPacket(2, []byte("\xfemysql_clear_password\x00")), myPacket(4, ok))
			l.Kind = detect.KindCleartextPassword
		case plugin == "mysql_clear_password":
			l.Kind = detect.KindCleartextPassword
		}
		return l
	}
}

// FuzzMySQLLogin is the secret oracle: around a fuzzed password, user and
// database, no form of the password (plain, native or SHA-2 scramble)
// reaches the verdict (detecttest.CheckLogin), and the login is reported
// as a password in clear or a scramble that can be guessed offline.
func FuzzMySQLLogin(f *testing.F) {
	detecttest.FuzzLogin(f, Detect, login, 8, detecttest.AnyMode(detecttest.NotNUL), "ibmitst", "Fake-Pw-mysql-6W", "ibmitap")
}
