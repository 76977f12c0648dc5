package tds

import (
	"encoding/binary"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// tdsPacket frames a TDS packet (MS-TDS 2.2.3): type, status EOM, length,
// SPID, packet ID, window.
func tdsPacket(typ byte, payload []byte) []byte {
	h := []byte{typ, 0x01, 0, 0, 0, 0, 1, 0}
	binary.BigEndian.PutUint16(h[2:], uint16(headerLen+len(payload)))
	return append(h, payload...)
}

// ucs2 is b as UTF-16LE, one code unit per byte (Latin-1).
func ucs2(b []byte) []byte {
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, c, 0)
	}
	return out
}

// obfuscate is LOGIN7's password "encryption" (MS-TDS 2.2.6.4): each byte
// of the UTF-16LE text with its nibbles swapped, then XOR 0xA5.
func obfuscate(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = (c<<4 | c>>4) ^ 0xa5
	}
	return out
}

// login7 builds a LOGIN7 payload (MS-TDS 2.2.6.4): the 94-byte fixed part,
// then host name, user name, password, application, server, interface
// library and database, each as an offset and a count of characters.
func login7(host, user, pw, app []byte) []byte {
	fields := [][]byte{ucs2(host), ucs2(user), obfuscate(ucs2(pw)), ucs2(app), ucs2([]byte("sqlhost")), nil, ucs2([]byte("ODBC")), nil, ucs2([]byte("master"))}
	const fixed = 94
	p := make([]byte, fixed)
	binary.LittleEndian.PutUint32(p[4:], 0x74000004) // TDS 7.4
	binary.LittleEndian.PutUint32(p[8:], 4096)       // packet size
	p[24], p[25] = 0xe0, 0x03                        // option flags 1 and 2
	binary.LittleEndian.PutUint32(p[32:], 0x0409)    // LCID
	off := fixed
	var data []byte
	for i, f := range fields {
		binary.LittleEndian.PutUint16(p[36+4*i:], uint16(off))
		binary.LittleEndian.PutUint16(p[38+4*i:], uint16(len(f)/2))
		data = append(data, f...)
		off += len(f)
	}
	for _, at := range []int{78, 82, 86} { // SSPI, attach file, change password: empty
		binary.LittleEndian.PutUint16(p[at:], uint16(off))
	}
	p = append(p, data...)
	binary.LittleEndian.PutUint32(p, uint32(len(p)))
	return p
}

// prelogin is a client PRELOGIN payload (MS-TDS 2.2.6.5) with the
// VERSION, ENCRYPTION, INSTOPT, THREADID and MARS options and the given
// encryption value.
func prelogin(enc byte) []byte {
	p := detecttest.MustHex("00001a0006 0100200001 0200210001 0300220004 0400260001 ff 090000000000")
	return append(p, enc, 0, 0, 0, 0, 0, 0)
}

// preloginReply is the server's PRELOGIN answer (VERSION, ENCRYPTION,
// INSTOPT, MARS) with the given encryption value.
func preloginReply(enc byte) []byte {
	p := detecttest.MustHex("0000150006 01001b0001 02001c0001 04001d0001 ff 100000100000")
	return append(p, enc, 0, 0)
}

// login builds a SQL Server login around a password: a PRELOGIN exchange
// that agrees on no encryption, then LOGIN7 in clear with the password
// obfuscated, host and application names from fuzzed bytes.
func login(mode uint8, user, extra []byte) func(pw []byte) detecttest.Login {
	u := detecttest.Keep(user, 64, "bob", detecttest.Graphic)
	host := detecttest.Keep(extra, 64, "WS01", detecttest.Graphic)
	app := detecttest.Keep(extra, 128, "", func(byte) bool { return true })
	// Client and server ENCRYPTION values that leave the login in clear:
	// OFF/NOT_SUP, NOT_SUP/NOT_SUP, NOT_SUP/ON, NOT_SUP/OFF, NOT_SUP/REQ.
	pairs := [][2]byte{{encryptOff, encryptNotSup}, {encryptNotSup, encryptNotSup}, {encryptNotSup, encryptOn}, {encryptNotSup, encryptOff}, {encryptNotSup, encryptReq}}
	enc := pairs[int(mode)%len(pairs)]
	req, resp := prelogin(enc[0]), preloginReply(enc[1])
	return func(pw []byte) detecttest.Login {
		p := ucs2(pw)
		return detecttest.Login{
			In: detect.Input{
				C2S:        detecttest.Cat(tdsPacket(typePrelogin, req), tdsPacket(typeLogin7, login7(host, u, pw, app))),
				S2C:        tdsPacket(typeReply, resp),
				ServerPort: 1433, Transport: 6,
			},
			Forms: [][]byte{pw, p, obfuscate(p)},
			User:  string(u),
			Kind:  detect.KindCleartextPassword,
		}
	}
}

// FuzzTDSLogin is the secret oracle: around a fuzzed password, user and
// host and application names, no form of the password (plain, UTF-16LE,
// obfuscated) reaches the verdict (detecttest.CheckLogin).
func FuzzTDSLogin(f *testing.F) {
	detecttest.FuzzLogin(f, Detect, login, 5, func(uint8, byte) bool { return true }, "ibmitst", "Fake-Pw-tds-1J", "sqlcmd")
}
