package hostsrv

import (
	"encoding/binary"
	"fmt"
	"testing"
	"unicode/utf16"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// Byte examples of the host-server datastream (docs/protocols.md,
// "Host-server datastream", "Port mapper"): captured from the JTOpen client
// or serialised from its request classes; replies follow a real V7R5 trace with identifying
// values replaced. Seeds of replies are stand-ins ("ss" in the notes).
const (
	// A.2 0x7003 exchange attributes, sign-on server.
	hx7003 = "00 00 00 34 00 00 E0 09 00 00 00 00 00 00 00 00 00 00 70 03" +
		"00 00 00 0A 11 01 00 00 00 01" +
		"00 00 00 08 11 02 00 0A" +
		"00 00 00 0E 11 03 00 00 01 A1 FB 3B 20 6A"
	// §4.2 0xF003 reply, password level 3.
	hxF003 = "00 00 00 5E 00 00 E0 09 00 00 00 00 00 00 00 00 00 04 F0 03" +
		"00 00 00 00" +
		"00 00 00 0A 11 01 00 07 05 00" +
		"00 00 00 08 11 02 00 0F" +
		"00 00 00 0E 11 03 11 22 33 44 55 66 77 88" +
		"00 00 00 07 11 19 03" +
		"00 00 00 1F 11 1F 00 00 00 00 F1 F2 F3 F4 F5 F6 61 D8 E4 E2" +
		"C5 D9 61 D8 E9 E2 D6 E2 C9 C7 D5"
	// A.3 0x7004, DES substitute.
	hx7004DES = "00 00 00 44 00 00 E0 09 00 00 00 00 00 00 00 01 00 01 70 04" +
		"01" +
		"00 00 00 0A 11 13 00 00 04 B0" +
		"00 00 00 0E 11 05 28 ED 5C F6 85 6A C0 41" +
		"00 00 00 10 11 04 D4 E8 E4 E2 C5 D9 40 40 40 40" +
		"00 00 00 07 11 28 01"
	// A.3 0x7004, SHA-1 substitute.
	hx7004SHA1 = "00 00 00 50 00 00 E0 09 00 00 00 00 00 00 00 01 00 01 70 04" +
		"03" +
		"00 00 00 0A 11 13 00 00 04 B0" +
		"00 00 00 1A 11 05 BF 79 C7 9C 08 7F 44 E1 18 34 9E 5A DA 32 8D 6B 56 74 E6 38" +
		"00 00 00 10 11 04 D4 E8 E4 E2 C5 D9 40 40 40 40" +
		"00 00 00 07 11 28 01"
	// A.4 0xF004 reply, RC 0.
	hxF004 = "00 00 00 8F 00 00 E0 09 00 00 00 00 00 00 00 01 00 04 F0 04" +
		"00 00 00 00" +
		"00 00 00 0E 11 06 07 EA 05 07 13 08 00 00" +
		"00 00 00 0E 11 07 07 EA 05 06 10 00 00 00" +
		"00 00 00 0E 11 08 07 EA 08 01 00 00 00 00" +
		"00 00 00 08 11 09 00 00 00 00 00 08 11 0A 00 05 00 00 00 07 11 0E F1" +
		"00 00 00 0A 11 2C 00 00 00 07" +
		"00 00 00 0A 11 14 00 00 01 11" +
		"00 00 00 1A 11 1A 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13" +
		"00 00 00 08 11 2A 00 00"
	// 0xF004 with RC 0x0003000B, password incorrect.
	hxF004Bad = "00 00 00 18 00 00 E0 09 00 00 00 00 00 00 00 01 00 04 F0 04 00 03 00 0B"
	// A.9 end job.
	hx7006 = "00 00 00 14 00 00 E0 09 00 00 00 00 00 00 00 00 00 00 70 06"

	// A.5 0x7001 to the remote command server and its 0xF001 reply.
	hx7001 = "00 00 00 1C 03 00 E0 08 00 00 00 00 00 00 00 00 00 08 70 01 00 00 01 A1 FB 3B 20 AD"
	hxF001 = "00 00 00 20 03 03 E0 08 00 00 00 00 00 00 00 00 00 0C F0 01 00 00 00 00 A1 B2 C3 D4 E5 F6 07 18"
	// A.6 0x7002 start server, DES substitute.
	hx7002DES = "00 00 00 34 02 00 E0 08 00 00 00 00 00 00 00 00 00 02 70 02" +
		"01 01" +
		"00 00 00 0E 11 05 3E 1F 9A 18 A6 BC BD 78" +
		"00 00 00 10 11 04 D4 E8 E4 E2 C5 D9 40 40 40 40"
	// §4.5 0x7002 start server, SHA-1 substitute.
	hx7002SHA1 = "00 00 00 40 02 00 E0 08 00 00 00 00 00 00 00 00 00 02 70 02" +
		"03 01 00 00 00 1A 11 05 3E 8A E8 20 CD 80 76 31 A2 00 B3 64 7B 5D 79 6A 8E 29 42 22" +
		"00 00 00 10 11 04 D4 E8 E4 E2 C5 D9 40 40 40 40"
	// A.7 0xF002 reply (database server job).
	hxF002 = "00 00 00 39 02 00 E0 04 00 00 00 00 00 00 00 00 00 04 F0 02" +
		"00 00 00 00" +
		"00 00 00 21 11 1F 00 00 00 00 F1 F2 F3 F4 F5 F7 61 D8 E4 E2 C5 D9 61 D8 E9 C4 C1 E2 D6 C9 D5 C9 E3"
	// A.8 remote command: exchange attributes, reply, run DSPJOB (UTF-16).
	hx1001 = "00 00 00 22 00 00 E0 08 00 00 00 00 00 00 00 01 00 0E 10 01 00 00 34 B0 F2 F9 F2 F4 00 00 00 01 00 00"
	hx8001 = "00 00 00 24 00 00 E0 08 00 00 00 00 00 00 00 01 00 0E 80 01 00 00 00 00 00 25 F2 F9 F2 F4 00 07 05 00 00 0A"
	hx1002 = "00 00 00 2B 00 00 E0 08 00 00 00 00 00 00 00 02 00 01 10 02 03 00 00 00 16 11 04 00 00 04 B0" +
		"00 44 00 53 00 50 00 4A 00 4F 00 42"
	// A.8 run command at server level < 10: EBCDIC "DSPJOB" under CP 0x1101.
	hx1002EBCDIC = "00 00 00 21 00 00 E0 08 00 00 00 00 00 00 00 00 00 01 10 02 00 00 00 00 0C 11 01 C4 E2 D7 D1 D6 C2"

	// A.10 execute immediate with extended statement text "CALL X" (CCSID 1200).
	hx1806 = "00 00 00 40 00 00 E0 04 00 00 00 00 00 00 00 00 00 14 18 06" +
		"80 00 00 00 00 00 00 00 00 01 00 01 00 00 00 01 00 00 00 01" +
		"00 00 00 18 38 31 04 B0 00 00 00 0C 00 43 00 41 00 4C 00 4C 00 20 00 58"
)

// Secrets of the examples above, which must never show in a verdict.
var secretTexts = []string{"SELECT", "USER_INFO", "DSPJOB", "CALL X", "123456", "Secret12"}

// sqlText is the statement of the §5.1 prepare-and-describe example.
const sqlText = "SELECT * FROM QSYS2.USER_INFO"

func cat(t testing.TB, parts ...string) []byte {
	t.Helper()
	var b []byte
	for _, p := range parts {
		b = append(b, unhex(t, p)...)
	}
	return b
}

func utf16be(s string) []byte {
	var b []byte
	for _, r := range utf16.Encode([]rune(s)) {
		b = binary.BigEndian.AppendUint16(b, r)
	}
	return b
}

// param builds an LL/CP parameter.
func param(cp uint16, data ...[]byte) []byte {
	n := 6
	for _, d := range data {
		n += len(d)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(n))
	b = binary.BigEndian.AppendUint16(b, cp)
	for _, d := range data {
		b = append(b, d...)
	}
	return b
}

// message builds a host-server message.
func message(attr uint16, sid, id uint16, corr uint32, template []byte, params ...[]byte) []byte {
	n := HeaderLen + len(template)
	for _, p := range params {
		n += len(p)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(n))
	b = binary.BigEndian.AppendUint16(b, attr)
	b = binary.BigEndian.AppendUint16(b, sid)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, corr)
	b = binary.BigEndian.AppendUint16(b, uint16(len(template)))
	b = binary.BigEndian.AppendUint16(b, id)
	b = append(b, template...)
	for _, p := range params {
		b = append(b, p...)
	}
	return b
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// seq returns n bytes counting up from start (stand-in substitutes/tokens).
func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// dbTemplate is the 20-byte database request template: ORS bitmap, handles
// and the parameter count.
func dbTemplate(ors uint32, nparams uint16) []byte {
	t := u32(ors)
	t = append(t, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0)
	return append(t, u16(nparams)...)
}

// prepare is the §5.1 prepare-and-describe of sqlText (0x1803, CCSID 13488).
func prepare() []byte {
	text := utf16be(sqlText)
	return message(0, ServerSQL, 0x1803, 0, dbTemplate(0x80000000, 1),
		param(0x3807, u16(13488), u16(uint16(len(text))), text))
}

func TestPrepareMatchesNotes(t *testing.T) {
	// The notes print the first 60 bytes of this message.
	want := unhex(t, "00 00 00 6C 00 00 E0 04 00 00 00 00 00 00 00 00 00 14 18 03"+
		"80 00 00 00 00 00 00 00 00 01 00 01 00 00 00 01 00 00 00 01"+
		"00 00 00 44 38 07 34 B0 00 3A 00 53 00 45 00 4C 00 45 00 43")
	if got := prepare(); string(got[:len(want)]) != string(want) {
		t.Fatalf("prepare() = % X\nwant prefix % X", got[:len(want)], want)
	}
}

func TestMessageBuilderMatchesNotes(t *testing.T) {
	got := message(0, ServerRmtCmd, 0x1002, 0, []byte{0}, param(0x1101, []byte{0xC4, 0xE2, 0xD7, 0xD1, 0xD6, 0xC2}))
	if want := unhex(t, hx1002EBCDIC); string(got) != string(want) {
		t.Fatalf("message() = % X\nwant % X", got, want)
	}
}

// hexForms returns the ways a secret's bytes could be printed.
func hexForms(b []byte) []string {
	return []string{string(b), fmt.Sprintf("%X", b), fmt.Sprintf("%x", b), fmt.Sprintf("% X", b), fmt.Sprintf("% x", b), fmt.Sprint(b)}
}

// unhex decodes hex fixtures written with white space.
var unhex = detecttest.Unhex
