package hostsrv

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// want is the evidence expected of one finding.
type want struct {
	kind, sev, user, proto, mech, record string
	length, count                        int
}

type dcase struct {
	name       string
	c2s, s2c   []byte
	mid, full  bool
	ok         bool
	service    string
	user       string
	findings   []want
	msgHas     string   // a substring the messages must contain
	secretHide [][]byte // bytes that must not show in the verdict
}

var myuser = []byte{0xD4, 0xE8, 0xE4, 0xE2, 0xC5, 0xD9, 0x40, 0x40, 0x40, 0x40} // "MYUSER" in CCSID 37

func detectCases(t testing.TB) []dcase {
	f003 := func(level string) string { return strings.Replace(hxF003, "11 19 03", "11 19 "+level, 1) }
	rep := func(s, old, new string) string { return strings.Replace(s, old, new, 1) }
	hx7001DB := rep(hx7001, "E0 08", "E0 04")
	hxF001DB := rep(hxF001, "E0 08", "E0 04")
	hxF002RC := rep(hxF002, "02 00 E0 04", "02 00 E0 08")

	sha512 := seq(0x40, 64)
	m7004SHA512 := message(0, ServerSignon, 0x7004, 0, []byte{0x07},
		param(0x1113, u32(1200)), param(0x1105, sha512), param(0x1104, myuser),
		param(0x1128, []byte{1}), param(0x112F, u32(1208), []byte("123456")))
	token := seq(0x90, 32)
	m7002Token := message(0x0200, ServerSQL, 0x7002, 0, []byte{0x02, 0x01}, param(0x1115, token))
	sha1 := unhex(t, "BF 79 C7 9C 08 7F 44 E1 18 34 9E 5A DA 32 8D 6B 56 74 E6 38")
	m7007 := message(0, ServerSignon, 0x7007, 1, []byte{0x03, 0x01},
		param(0x1116, []byte{0xF1}), param(0x1117, u32(3600)), param(0x1105, sha1), param(0x1104, myuser))
	mF007 := message(0, ServerSignon, 0xF007, 1, u32(0), param(0x1115, token))
	m7005 := message(0, ServerSignon, 0x7005, 1, []byte{0x03},
		param(0x1104, myuser), param(0x1105, sha1), param(0x110C, seq(1, 20)), param(0x110D, seq(0x30, 20)),
		param(0x111C, u32(16)), param(0x111D, u32(16)), param(0x111E, u32(13488)))
	m7004User := message(0, ServerSignon, 0x7004, 1, []byte{0x01}, param(0x1113, u32(1200)), param(0x1104, myuser))
	mF002User := message(0x0200, ServerSQL, 0xF002, 0, u32(0), param(0x1104, u32(37), myuser))
	m7106 := message(0, ServerHostCnn, 0x7106, 0, seq(1, 64))
	ping := message(0, ServerRmtCmd, 0x7FFE, 5, nil)

	// 0x1F80 set attributes: 0x3807 is the date format here, 0x3831 the eWLM correlator.
	m1F80 := message(0, ServerSQL, 0x1F80, 1, dbTemplate(0x81000000, 2), param(0x3807, u16(1)), param(0x3831, seq(1, 12)))
	mNDB := message(0, ServerNDB, 0x1800, 2, dbTemplate(0x80000000, 1), param(0x3807, u16(37), u16(4), []byte("ABCD")))

	// RLE-compressed prepare: the text "SELECT" + 10 blanks + "1" in UTF-16.
	stmt := utf16be("SELECT          1")
	plain := param(0x3807, u16(13488), u16(uint16(len(stmt))), stmt)
	rle := append([]byte{}, plain[:6+4+12]...)      // LL, CP, CCSID, length, "SELECT"
	rle = append(rle, 0x1B, 0x00, 0x20, 0x00, 0x0A) // 10 x U+0020
	rle = append(rle, 0x00, 0x31)                   // "1"
	compressed := message(0, ServerSQL, 0x1803, 3, dbTemplate(0x80080000, 1),
		append(param(0x3832, u32(uint32(len(plain)))), rle...)) // LL covers the compressed data
	compressed = fixParamLL(compressed, 40)

	pgm := []byte{0xD4, 0xE8, 0xD7, 0xC7, 0xD4, 0x40, 0x40, 0x40, 0x40, 0x40, // MYPGM
		0xD4, 0xE8, 0xD3, 0xC9, 0xC2, 0x40, 0x40, 0x40, 0x40, 0x40, // MYLIB
		0x00, 0x00, 0x02}
	m1003 := message(0, ServerRmtCmd, 0x1003, 3, pgm,
		param(0x1103, u32(10), u16(11), []byte("SECRETDATA")), param(0x1103, u32(4), u16(12), []byte{0, 0, 0, 0}))

	p := prepare()
	m8002 := message(0, ServerRmtCmd, 0x8002, 2, []byte{0, 0})
	badChain := rep(hx7003, "00 00 00 0E 11 03", "00 00 00 0F 11 03")
	broken := append([]byte{}, p...)
	broken[3]++

	drda := unhex(t, "0067d0410001006110410010115e84859982a8849583948189950009116dc4859982a8001e115ac4d5c3f1f0f1f4f061f1f04bf1f44bf24bf04060404d6f6f6f5d001814041403000724070007240f0007144000071c0804b8000e1147d8c4c5d9c2e861d1e5d4003ad00100020034106d000611a20003002a2110c6c1d2c5c4c25e83998581a3857ea399a4855ea28583a49989a3a8d4858388819589a2947ef3")
	tls := unhex(t, "16030100d0010000cc0303fe70e0cbbd88a51644a6e659295fd08dab9f68849a7958ec99fbda79ae822f53000038c02cc030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f")
	pgStartup := append(unhex(t, "00 00 00 29 00 03 00 00"), []byte("user\x00postgres\x00database\x00postgres\x00\x00")...)
	pgStartup[3] = byte(len(pgStartup))

	hashDES := want{detect.KindPasswordHashExposed, detect.SevHigh, "MYUSER", "host-server 0x7004 sign-on info", "DES", "", 8, 1}
	hashSHA1 := hashDES
	hashSHA1.mech, hashSHA1.length = "SHA-1", 20

	return []dcase{
		{name: "sign-on DES", c2s: cat(t, hx7003, hx7004DES, hx7006), s2c: cat(t, f003("00"), hxF004),
			ok: true, service: "as-signon", user: "MYUSER", findings: []want{hashDES}, msgHas: "password level 0",
			secretHide: [][]byte{unhex(t, "28 ED 5C F6 85 6A C0 41")}},
		{name: "sign-on SHA-1", c2s: cat(t, hx7003, hx7004SHA1), s2c: cat(t, hxF003, hxF004),
			ok: true, service: "as-signon", user: "MYUSER", findings: []want{hashSHA1}, msgHas: "password level 3",
			secretHide: [][]byte{sha1}},
		{name: "sign-on SHA-512 with MFA", c2s: append(unhex(t, hx7003), m7004SHA512...), s2c: unhex(t, f003("04")),
			ok: true, service: "as-signon", user: "MYUSER", findings: []want{
				{detect.KindPasswordHashExposed, detect.SevHigh, "MYUSER", "host-server 0x7004 sign-on info", "SHA-512", "", 64, 1},
				{detect.KindSensitiveDataVisible, detect.SevMedium, "MYUSER", "host-server 0x7004 sign-on info", "", "mfa-factor", 6, 1},
			}, secretHide: [][]byte{sha512}},
		{name: "sign-on password incorrect", c2s: cat(t, hx7003, hx7004SHA1), s2c: cat(t, hxF003, hxF004Bad),
			ok: true, service: "as-signon", user: "MYUSER", findings: []want{hashSHA1,
				{detect.KindAuthFailure, detect.SevMedium, "MYUSER", "host-server 0xF004 sign-on info reply", "", "", 0, 1}},
			msgHas: "password incorrect"},
		{name: "sign-on, server reply not captured", c2s: cat(t, hx7003, hx7004DES),
			ok: true, service: "as-signon", user: "MYUSER", findings: []want{
				{detect.KindUserIDExposed, detect.SevLow, "MYUSER", "host-server 0x7004 sign-on info", "DES", "", 8, 1}}},
		{name: "sign-on user ID only", c2s: append(unhex(t, hx7003), m7004User...), s2c: unhex(t, hxF003),
			ok: true, service: "as-signon", user: "MYUSER", findings: []want{
				{detect.KindUserIDExposed, detect.SevLow, "MYUSER", "host-server 0x7004 sign-on info", "", "", 0, 1}}},
		{name: "generate profile token", c2s: append(unhex(t, hx7003), m7007...), s2c: append(unhex(t, hxF003), mF007...),
			ok: true, service: "as-signon", user: "MYUSER", findings: []want{
				{detect.KindPasswordHashExposed, detect.SevHigh, "MYUSER", "host-server 0x7007 generate profile token", "SHA-1", "", 20, 1},
				{detect.KindPasswordHashExposed, detect.SevHigh, "MYUSER", "host-server 0xF007 profile token reply", "profile token", "", 0, 1},
			}, secretHide: [][]byte{sha1, token}},
		{name: "change password", c2s: append(unhex(t, hx7003), m7005...), s2c: unhex(t, hxF003),
			ok: true, service: "as-signon", user: "MYUSER", findings: []want{
				{detect.KindPasswordHashExposed, detect.SevHigh, "MYUSER", "host-server 0x7005 change password", "SHA-1", "", 20, 1}},
			msgHas: "unmasked", secretHide: [][]byte{sha1, seq(1, 20), seq(0x30, 20)}},
		{name: "remote command DES", c2s: cat(t, hx7001, hx7002DES, hx1001, hx1002), s2c: cat(t, hxF001, hxF002RC, hx8001),
			ok: true, service: "as-rmtcmd", user: "MYUSER", findings: []want{
				{detect.KindPasswordHashExposed, detect.SevHigh, "MYUSER", "host-server 0x7002 start server", "DES", "", 8, 1},
				{detect.KindSensitiveDataVisible, detect.SevMedium, "", "host-server 0x1002 run command", "", "cl-command", 12, 1},
			}, msgHas: "password level 3", secretHide: [][]byte{unhex(t, "3E 1F 9A 18 A6 BC BD 78")}},
		// The 0xF001 reply with a template length of 0: the seed at offset
		// 24 counts all the same (JTOpen reads it there).
		{name: "seed reply with template length 0", c2s: cat(t, hx7001, hx7002SHA1), s2c: unhex(t, rep(hxF001, "00 0C F0 01", "00 00 F0 01")),
			ok: true, service: "as-rmtcmd", user: "MYUSER", findings: []want{
				{detect.KindPasswordHashExposed, detect.SevHigh, "MYUSER", "host-server 0x7002 start server", "SHA-1", "", 20, 1},
			}, msgHas: "both seeds in clear", secretHide: [][]byte{unhex(t, "3E 8A E8 20 CD 80 76 31 A2 00 B3 64 7B 5D 79 6A 8E 29 42 22")}},
		{name: "remote command SHA-1, EBCDIC command", c2s: cat(t, hx7001, hx7002SHA1, hx1002EBCDIC), s2c: unhex(t, hxF001),
			ok: true, service: "as-rmtcmd", user: "MYUSER", findings: []want{
				{detect.KindPasswordHashExposed, detect.SevHigh, "MYUSER", "host-server 0x7002 start server", "SHA-1", "", 20, 1},
				{detect.KindSensitiveDataVisible, detect.SevMedium, "", "host-server 0x1002 run command", "", "cl-command", 6, 1},
			}, secretHide: [][]byte{unhex(t, "3E 8A E8 20 CD 80 76 31 A2 00 B3 64 7B 5D 79 6A 8E 29 42 22")}},
		{name: "remote command program call", c2s: cat(t, hx7001, hx7002DES, hx1001, fmt.Sprintf("%X", m1003)), s2c: unhex(t, hxF001),
			ok: true, service: "as-rmtcmd", user: "MYUSER", findings: []want{
				{detect.KindPasswordHashExposed, detect.SevHigh, "MYUSER", "host-server 0x7002 start server", "DES", "", 8, 1},
				{detect.KindSensitiveDataVisible, detect.SevMedium, "", "host-server 0x1003 call program", "", "program-call", 14, 1},
			}, secretHide: [][]byte{[]byte("SECRETDATA"), pgm[:10]}},
		{name: "database profile token and SQL", c2s: cat(t, hx7001DB, fmt.Sprintf("%X%X", m7002Token, p), hx1806),
			s2c: append(unhex(t, hxF001DB), mF002User...),
			ok:  true, service: "as-database", user: "MYUSER", findings: []want{
				{detect.KindPasswordHashExposed, detect.SevHigh, "MYUSER", "host-server 0x7002 start server", "profile token", "", 32, 1},
				{detect.KindSensitiveDataVisible, detect.SevMedium, "", "host-server database", "", "sql", 58, 2},
			}, msgHas: "bearer", secretHide: [][]byte{token, utf16be(sqlText)}},
		{name: "user ID in a reply only", c2s: unhex(t, hx7001DB), s2c: append(unhex(t, hxF001DB), mF002User...),
			ok: true, service: "as-database", user: "MYUSER", findings: []want{
				{detect.KindUserIDExposed, detect.SevLow, "MYUSER", "host-server reply", "", "", 0, 1}}},
		{name: "database attributes and native database are not SQL", c2s: cat(t, hx7001DB, fmt.Sprintf("%X%X", m1F80, mNDB)),
			ok: true, service: "as-database"},
		{name: "database RLE-compressed statement", c2s: cat(t, hx7001DB, fmt.Sprintf("%X", compressed)),
			ok: true, service: "as-database", findings: []want{
				{detect.KindSensitiveDataVisible, detect.SevMedium, "", "host-server database", "", "sql", len(stmt), 1}}},
		{name: "database statement cut by a full head", c2s: cat(t, hx7001DB, fmt.Sprintf("%X", p[:60])), full: true,
			ok: true, service: "as-database", findings: []want{
				{detect.KindSensitiveDataVisible, detect.SevMedium, "", "host-server database", "", "sql", 58, 1}}},
		{name: "database statement not complete yet", c2s: cat(t, hx7001DB, fmt.Sprintf("%X", p[:60])),
			ok: true, service: "as-database"},
		{name: "host connection exchange attributes", c2s: unhex(t, rep(rep(hx7003, "E0 09", "E0 0B"), "70 03", "71 03")),
			ok: true, service: "as-hostcnn"},
		{name: "host connection new connection", c2s: m7106, ok: true, service: "as-hostcnn"},
		{name: "ping", c2s: ping, s2c: message(0, ServerRmtCmd, 0xFFFE, 5, nil), ok: true, service: "as-rmtcmd"},
		{name: "seed exchange alone", c2s: unhex(t, hx7001), ok: true, service: "as-rmtcmd"},
		{name: "seed exchange to sign-on", c2s: unhex(t, rep(hx7001, "E0 08", "E0 09")), ok: true, service: "as-signon"},

		{name: "http", c2s: []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1:2001\r\nAuthorization: Basic c\r\n\r\n")},
		{name: "tls client hello", c2s: tls},
		{name: "drda excsat", c2s: drda},
		{name: "postgresql startup", c2s: pgStartup},
		{name: "postgresql ssl request", c2s: unhex(t, "00 00 00 08 04 D2 16 2F"), s2c: []byte("N")},
		{name: "plaintext line", c2s: []byte("hello plaintext\r\n")},
		{name: "truncated 0x7003", c2s: unhex(t, hx7003)[:30]},
		{name: "0x7003 to the wrong server", c2s: unhex(t, rep(hx7003, "E0 09", "E0 08"))},
		{name: "0x7003 chain broken", c2s: unhex(t, badChain)},
		{name: "0x7001 wrong length", c2s: append(unhex(t, rep(hx7001, "00 00 00 1C", "00 00 00 1D")), 0)},
		{name: "0x7001 answered by http", c2s: unhex(t, hx7001), s2c: []byte("HTTP/1.1 400 Bad Request\r\n\r\n")},
		{name: "0x7001 answered by another server", c2s: unhex(t, hx7001), s2c: unhex(t, hxF001DB)},
		{name: "0x7001 followed by garbage", c2s: append(unhex(t, hx7001), []byte("GET / HTTP/1.1\r\nHost: x\r\n")...)},
		{name: "not an opening request", c2s: p},
		{name: "empty", c2s: nil},

		{name: "mid-stream one header", c2s: p, mid: true},
		{name: "mid-stream two chained requests", c2s: cat(t, fmt.Sprintf("%X", p), hx1806), mid: true,
			ok: true, service: "as-database", findings: []want{
				{detect.KindSensitiveDataVisible, detect.SevMedium, "", "host-server database", "", "sql", 58, 2}}},
		{name: "mid-stream tail of a message first", c2s: append(utf16be("ER_INFO WHERE"), cat(t, fmt.Sprintf("%X", p), hx1806)...), mid: true,
			ok: true, service: "as-database", findings: []want{
				{detect.KindSensitiveDataVisible, detect.SevMedium, "", "host-server database", "", "sql", 58, 2}}},
		{name: "mid-stream lengths do not chain", c2s: append(broken, unhex(t, hx1806)...), mid: true},
		{name: "mid-stream two chained replies", c2s: []byte("????"), s2c: append(unhex(t, hx8001), m8002...), mid: true,
			ok: true, service: "as-rmtcmd"},
		{name: "mid-stream sign-on without seeds", c2s: cat(t, hx7004SHA1, hx7006), mid: true,
			ok: true, service: "as-signon", user: "MYUSER", findings: []want{
				{detect.KindUserIDExposed, detect.SevLow, "MYUSER", "host-server 0x7004 sign-on info", "SHA-1", "", 20, 1}}},
		{name: "mid-stream http", c2s: []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n"), mid: true},
	}
}

// fixParamLL sets the LL of the parameter at off to run to the end of msg.
func fixParamLL(msg []byte, off int) []byte {
	n := uint32(len(msg) - off)
	msg[off], msg[off+1], msg[off+2], msg[off+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return msg
}

func TestDetect(t *testing.T) {
	for _, tt := range detectCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			in := &detect.Input{C2S: tt.c2s, S2C: tt.s2c, ClientPort: 51000, ServerPort: 8476, Transport: 6,
				MidStream: tt.mid, C2SFull: tt.full}
			var v detect.Verdict
			if ok := Detect(in, &v); ok != tt.ok {
				t.Fatalf("Detect = %v, want %v (verdict %+v)", ok, tt.ok, v)
			}
			if !tt.ok {
				return
			}
			if v.Protocol != Protocol || v.Service != tt.service || v.User != tt.user {
				t.Errorf("verdict %q %q user %q, want %q %q user %q", v.Protocol, v.Service, v.User, Protocol, tt.service, tt.user)
			}
			if len(v.Findings) != len(tt.findings) {
				t.Fatalf("findings:\n%s\nwant %d", dump(v.Findings), len(tt.findings))
			}
			all := ""
			for i, f := range v.Findings {
				w := tt.findings[i]
				got := want{f.Kind, f.Severity, f.User, f.Protocol, f.Mechanism, f.Record, f.Length, f.Count}
				if got != w {
					t.Errorf("finding %d = %+v\nwant        %+v", i, got, w)
				}
				if f.Message == "" {
					t.Errorf("finding %d has no message", i)
				}
				all += f.Message + "\n"
			}
			if tt.msgHas != "" && !strings.Contains(all, tt.msgHas) {
				t.Errorf("messages %q lack %q", all, tt.msgHas)
			}
		})
	}
}

func dump(fs []detect.Finding) string {
	var sb strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&sb, "  %+v\n", f)
	}
	return sb.String()
}

// TestNoSecrets checks that no verdict field shows a substitute, token, MFA
// code, SQL or command text, in any printing.
func TestNoSecrets(t *testing.T) {
	for _, tt := range detectCases(t) {
		for _, full := range []bool{false, true} {
			in := &detect.Input{C2S: tt.c2s, S2C: tt.s2c, Transport: 6, MidStream: tt.mid, C2SFull: full}
			var v detect.Verdict
			Detect(in, &v)
			text := fmt.Sprintf("%+v %#v", v, v)
			for _, s := range secretTexts {
				if strings.Contains(text, s) {
					t.Errorf("%s: verdict shows %q: %s", tt.name, s, text)
				}
			}
			for _, b := range tt.secretHide {
				for _, form := range hexForms(b) {
					if strings.Contains(text, form) {
						t.Errorf("%s: verdict shows secret bytes as %q", tt.name, form)
					}
				}
			}
		}
	}
}

// TestDetectGrowing feeds a connection's head byte by byte: it is recognised
// once the first message is complete and never panics before.
func TestDetectGrowing(t *testing.T) {
	c2s := cat(t, hx7001, hx7002DES, hx1001, hx1002)
	s2c := cat(t, hxF001, hx8001)
	for n := 0; n <= len(c2s); n++ {
		for _, m := range []int{0, 7, 20, 32, len(s2c)} {
			in := &detect.Input{C2S: c2s[:n], S2C: s2c[:min(m, len(s2c))], Transport: 6}
			ok := Detect(in, &detect.Verdict{})
			if want := n >= 28; ok != want {
				t.Fatalf("C2S %d bytes, S2C %d: Detect = %v, want %v", n, m, ok, want)
			}
		}
	}
}

func TestDetectRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 4096)
	for i := 0; i < 20000; i++ {
		for j := range buf {
			buf[j] = byte(r.Uint32())
		}
		n, m := r.IntN(len(buf)/2), r.IntN(len(buf)/2)
		in := &detect.Input{C2S: buf[:n], S2C: buf[n : n+m], Transport: 6, MidStream: i%2 == 1}
		if Detect(in, &detect.Verdict{}) {
			t.Fatalf("random bytes recognised: % X", buf[:min(n, 64)])
		}
	}
}

func TestDetectUDP(t *testing.T) {
	in := &detect.Input{C2S: unhex(t, hx7001), Transport: 17}
	if Detect(in, &detect.Verdict{}) {
		t.Error("UDP recognised as host server")
	}
}

// TestDetectRejectAllocs checks that foreign bytes are turned away without
// allocating: the detector runs on every new flow.
func TestDetectRejectAllocs(t *testing.T) {
	inputs := []*detect.Input{
		{C2S: []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), S2C: []byte("HTTP/1.1 200 OK\r\n"), Transport: 6},
		{C2S: []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), S2C: []byte("HTTP/1.1 200 OK\r\n"), Transport: 6, MidStream: true},
		{C2S: unhex(t, "00 00 00 08 04 D2 16 2F"), S2C: []byte("N"), Transport: 6},
	}
	for _, in := range inputs {
		var v detect.Verdict
		if n := testing.AllocsPerRun(100, func() { Detect(in, &v) }); n != 0 {
			t.Errorf("Detect allocated %.0f times rejecting % X", n, in.C2S[:8])
		}
	}
}
