package drda

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// loadFollow reads testdata/<name>.follow, a tshark follow dump.
func loadFollow(t testing.TB, name string) (c2s, s2c []byte) {
	t.Helper()
	return detecttest.LoadFollow(t, filepath.Join("testdata", name+".follow"))
}

// JTOpen record-level access (docs/protocols.md, "DRDA / DDM"): EXCSAT shortened to
// its EXTNAM "JT400" (LLs adjusted), ACCSEC and SECCHK as listed, the seed and
// the SHA-1 substitute filled with stand-in bytes.
var (
	jtEXCSAT = hx(`00 13 D0 01 00 00 00 0D 10 41 00 09 11 5E D1 E3 F4 F0 F0`)
	jtACCSEC = hx(`00 1C D0 01 00 00 00 16 10 6D 00 06 11 A2 00 08 00 0C 11 DC 11 22 33 44 55 66 77 88`)
	jtSECCHK = hx(`00 36 D0 01 00 00 00 30 10 6E 00 06 11 A2 00 08 00 0E 11 A0 D4 E8 E4 E2 C5 D9 40 40 40 40
		00 18 11 A1 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14`)
	// ACCSECRD with the server seed (layout of JTOpen DDMACCSECReplyDataStream).
	jtACCSECRD = hx(`00 1C D0 02 00 01 00 16 14 AC 00 06 11 A2 00 08 00 0C 11 DC 99 88 77 66 55 44 33 22`)
)

// secchk builds a SECCHK request DSS from its parameters.
func secchkDSS(params ...[]byte) []byte {
	body := bytes.Join(params, nil)
	n := 4 + len(body)
	out := []byte{byte((n + 6) >> 8), byte(n + 6), 0xD0, 0x01, 0x00, 0x02, byte(n >> 8), byte(n), 0x10, 0x6E}
	return append(out, body...)
}

// requestDSS builds a request DSS holding command cmd with its parameters.
func requestDSS(cmd uint16, params ...[]byte) []byte {
	b := secchkDSS(params...)
	b[8], b[9] = byte(cmd>>8), byte(cmd)
	return b
}

func param(cp uint16, data []byte) []byte {
	n := 4 + len(data)
	return append([]byte{byte(n >> 8), byte(n), byte(cp >> 8), byte(cp)}, data...)
}

func mech(m byte) []byte { return param(cpSECMEC, []byte{0, m}) }

var (
	ebcdicMYUSER = hx(`D4 E8 E4 E2 C5 D9 40 40 40 40`)
	ebcdicPW     = hx(`E2 85 83 99 85 A3 F1 F2`) // "Secret12"
)

type want struct {
	kind, user, mech, record string
	length                   int
}

func TestDetect(t *testing.T) {
	d3c, d3s := loadFollow(t, "drda-secmec3")
	d4c, d4s := loadFollow(t, "drda-secmec4")
	d8c, d8s := loadFollow(t, "drda-secmec8")
	// The same Derby SECMEC 3 flow with SECCHKRM answering SECCHKCD 0x0F.
	failS := bytes.Replace(d3s, hx(`00 05 11 A4 00`), hx(`00 05 11 A4 0F`), 1)
	// Derby's SQL: CREATE TABLE (48 bytes), INSERT (52), SELECT (42).
	derbySQL := want{kind: detect.KindSensitiveDataVisible, record: "sql", length: 48 + 52 + 42}

	tests := []struct {
		name     string
		c2s, s2c []byte
		mid      bool
		user     string
		want     []want
	}{
		{"derby secmec 3", d3c, d3s, false, "drdauser", []want{
			{kind: detect.KindCleartextPassword, user: "drdauser", mech: "SECMEC 3"}, derbySQL}},
		{"derby secmec 4", d4c, d4s, false, "drdauser", []want{
			{kind: detect.KindUserIDExposed, user: "drdauser", mech: "SECMEC 4"}, derbySQL}},
		{"derby secmec 8", d8c, d8s, false, "drdauser", []want{
			{kind: detect.KindPasswordHashExposed, user: "drdauser", mech: "SECMEC 8"}, derbySQL}},
		{"derby secmec 3 rejected", d3c, failS, false, "drdauser", []want{
			{kind: detect.KindCleartextPassword, user: "drdauser", mech: "SECMEC 3"},
			{kind: detect.KindAuthFailure, user: "drdauser"}, derbySQL}},
		{"derby first segment only", d3c[:0x67], nil, false, "", nil},
		{"derby EXCSAT header only", d3c[:10], nil, false, "", nil},
		{"jtopen secmec 8", cat(jtEXCSAT, jtACCSEC, jtSECCHK), jtACCSECRD, false, "MYUSER", []want{
			{kind: detect.KindPasswordHashExposed, user: "MYUSER", mech: "SECMEC 8"}}},
		{"ebcdic secmec 3", cat(jtEXCSAT, secchkDSS(mech(3), param(cpUSRID, ebcdicMYUSER), param(cpPASSWORD, ebcdicPW))), nil, false, "MYUSER", []want{
			{kind: detect.KindCleartextPassword, user: "MYUSER", mech: "SECMEC 3"}}},
		{"ebcdic secmec 5", cat(jtEXCSAT, secchkDSS(mech(5), param(cpUSRID, ebcdicMYUSER), param(cpPASSWORD, ebcdicPW), param(cpNEWPASSWD, ebcdicPW))), nil, false, "MYUSER", []want{
			{kind: detect.KindCleartextPassword, user: "MYUSER", mech: "SECMEC 5"}}},
		{"ebcdic secmec 4", cat(jtEXCSAT, secchkDSS(mech(4), param(cpUSRID, ebcdicMYUSER))), nil, false, "MYUSER", []want{
			{kind: detect.KindUserIDExposed, user: "MYUSER", mech: "SECMEC 4"}}},
		{"secmec 6 des substitute", cat(jtEXCSAT, secchkDSS(mech(6), param(cpUSRID, ebcdicMYUSER), param(cpPASSWORD, ebcdicPW))), nil, false, "MYUSER", []want{
			{kind: detect.KindPasswordHashExposed, user: "MYUSER", mech: "SECMEC 6"}}},
		{"secmec 7 encrypted password", cat(jtEXCSAT, secchkDSS(mech(7), param(cpUSRID, ebcdicMYUSER), param(cpSECTKN, ebcdicPW))), nil, false, "MYUSER", []want{
			{kind: detect.KindUserIDExposed, user: "MYUSER", mech: "SECMEC 7"}}},
		{"secmec 9 encrypted user", cat(jtEXCSAT, secchkDSS(mech(9), param(cpSECTKN, ebcdicPW), param(cpSECTKN, ebcdicPW))), nil, false, "", nil},
		{"secmec from accsec", cat(jtEXCSAT, hx(`00 10 D0 01 00 01 00 0A 10 6D 00 06 11 A2 00 03`),
			secchkDSS(param(cpUSRID, ebcdicMYUSER), param(cpPASSWORD, ebcdicPW))), nil, false, "MYUSER", []want{
			{kind: detect.KindCleartextPassword, user: "MYUSER", mech: "SECMEC 3"}}},
		{"jtopen secmec 8 with an MFA code", cat(jtEXCSAT, jtACCSEC, secchkDSS(mech(8), param(cpUSRID, ebcdicMYUSER),
			param(cpPASSWORD, jtSECCHK[len(jtSECCHK)-20:]), param(cpMFAFACTOR, []byte("987654")))), jtACCSECRD, false, "MYUSER", []want{
			{kind: detect.KindPasswordHashExposed, user: "MYUSER", mech: "SECMEC 8"},
			{kind: detect.KindSensitiveDataVisible, user: "MYUSER", record: "mfa-factor", length: 6}}},
		{"MFA code in ACCSEC, SQL after", cat(jtEXCSAT, requestDSS(cpACCSEC, mech(3), param(cpMFAFACTOR, []byte("12345678"))),
			d3c[0x67+0x3A+0x5A+0xBC:]), nil, false, "", []want{
			{kind: detect.KindSensitiveDataVisible, record: "mfa-factor", length: 8}, derbySQL}},
		{"mid-stream sql", d3c[0x67+0x3A+0x5A+0xBC:], d3s[0x85+0x10+0x15+0x39+0x1B:], true, "", []want{derbySQL}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &detect.Input{C2S: tc.c2s, S2C: tc.s2c, ServerPort: 446, ClientPort: 40000, Transport: 6, MidStream: tc.mid}
			var v detect.Verdict
			if !Detect(in, &v) {
				t.Fatal("not recognised")
			}
			if v.Protocol != "drda" || v.Service != "drda" {
				t.Errorf("protocol/service = %q/%q", v.Protocol, v.Service)
			}
			if v.User != tc.user {
				t.Errorf("user = %q, want %q", v.User, tc.user)
			}
			if len(v.Findings) != len(tc.want) {
				t.Fatalf("findings = %+v, want %d", v.Findings, len(tc.want))
			}
			for i, w := range tc.want {
				f := v.Findings[i]
				if f.Kind != w.kind || f.User != w.user || f.Mechanism != w.mech || f.Record != w.record || f.Length != w.length {
					t.Errorf("finding %d = %+v, want %+v", i, f, w)
				}
				if f.Severity == "" || f.Message == "" {
					t.Errorf("finding %d lacks severity or message: %+v", i, f)
				}
			}
		})
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestSeverities(t *testing.T) {
	sev := map[string]string{
		detect.KindCleartextPassword:    detect.SevCritical,
		detect.KindPasswordHashExposed:  detect.SevHigh,
		detect.KindUserIDExposed:        detect.SevLow,
		detect.KindSensitiveDataVisible: detect.SevMedium,
		detect.KindAuthFailure:          detect.SevMedium,
	}
	for _, name := range []string{"drda-secmec3", "drda-secmec4", "drda-secmec8"} {
		c, s := loadFollow(t, name)
		s = bytes.Replace(s, hx(`00 05 11 A4 00`), hx(`00 05 11 A4 13`), 1)
		var v detect.Verdict
		Detect(&detect.Input{C2S: c, S2C: s}, &v)
		for _, f := range v.Findings {
			if sev[f.Kind] != f.Severity {
				t.Errorf("%s: %s has severity %s", name, f.Kind, f.Severity)
			}
		}
	}
}

// TestNoSecrets checks that neither the passwords nor the SQL text of the
// recorded flows appear anywhere in a verdict.
func TestNoSecrets(t *testing.T) {
	secrets := []string{"Fake-Pw-derby-3X", "Secret12", "CREATE TABLE", "INSERT INTO", "SELECT ID", "CUSTOMER", "987654"}
	inputs := [][2][]byte{}
	for _, name := range []string{"drda-secmec3", "drda-secmec4", "drda-secmec8"} {
		c, s := loadFollow(t, name)
		inputs = append(inputs, [2][]byte{c, s})
	}
	inputs = append(inputs, [2][]byte{cat(jtEXCSAT, secchkDSS(mech(3), param(cpUSRID, ebcdicMYUSER), param(cpPASSWORD, ebcdicPW))), nil})
	inputs = append(inputs, [2][]byte{cat(jtEXCSAT, secchkDSS(mech(3), param(cpUSRID, []byte("MYUSER")), param(cpPASSWORD, []byte("Secret12")))), nil})
	inputs = append(inputs, [2][]byte{cat(jtEXCSAT, secchkDSS(mech(3), param(cpUSRID, []byte("MYUSER")), param(cpPASSWORD, []byte("Secret12")),
		param(cpMFAFACTOR, []byte("987654")))), nil})
	for i, in := range inputs {
		var v detect.Verdict
		if !Detect(&detect.Input{C2S: in[0], S2C: in[1]}, &v) {
			t.Fatalf("input %d not recognised", i)
		}
		text := v.User
		for _, f := range v.Findings {
			text += "|" + f.Message + "|" + f.User + "|" + f.Protocol + "|" + f.Mechanism + "|" + f.Record
		}
		for _, s := range secrets {
			if strings.Contains(strings.ToUpper(text), strings.ToUpper(s)) {
				t.Errorf("input %d: verdict contains %q: %s", i, s, text)
			}
		}
	}
}

func TestReject(t *testing.T) {
	d3c, d3s := loadFollow(t, "drda-secmec3")
	tests := []struct {
		name     string
		c2s, s2c []byte
		mid      bool
	}{
		{"empty", nil, nil, false},
		{"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), nil, false},
		{"tls client hello", hx(`16 03 01 02 00 01 00 01 fc 03 03 00 01 02 03`), nil, false},
		// drda-ssl-448.pcap: Derby client and server with ssl=basic.
		{"drda over tls 448", hx(`16030301a10100019d030350bded5657e2a1135a31c44615ef2730b5d5987f4f0d192f771eff2b0d`),
			hx(`160303007a0200007603038e41ed9505a775e349e499fd6c7f303b7de2c4febde5769d7c3e0a3ab`[:78]), false},
		{"host server 0x7003", hx(`00 00 00 34 00 00 E0 09 00 00 00 00 00 00 00 00 00 00 70 03 00 00 00 0A 11 01 00 00 00 01`), nil, false},
		{"ssh", []byte("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), nil, false},
		{"ftp", []byte("USER anonymous\r\n"), []byte("220-QTCP at ibmi\r\n"), false},
		{"telnet", hx(`FF FB 18 FF FB 1F FF FD 01`), hx(`FF FD 18 FF FD 20`), false},
		{"random", hx(`8f 1e 77 d0 01 9a 33 00 42 10 41 aa`), nil, false},
		{"server reply first", d3s, nil, false},
		{"accsec first", d3c[0x67:], d3s, false},
		{"mid-stream garbage", hx(`00 10 D0 01 00 01 00 20 10 6D 00 06 11 A2 00 03`), d3s, true},
		{"too short", d3c[:9], nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v detect.Verdict
			if Detect(&detect.Input{C2S: tc.c2s, S2C: tc.s2c, MidStream: tc.mid}, &v) {
				t.Errorf("recognised as %+v", v)
			}
		})
	}
}

// TestTruncatedPrefixes runs the detector on every prefix of a recorded flow:
// it must not panic and, once EXCSAT's header is in, must recognise it.
func TestTruncatedPrefixes(t *testing.T) {
	c, s := loadFollow(t, "drda-secmec8")
	for i := 0; i <= len(c); i++ {
		var v detect.Verdict
		ok := Detect(&detect.Input{C2S: c[:i], S2C: s[:min(i, len(s))]}, &v)
		if ok != (i >= 10) {
			t.Fatalf("prefix %d: recognised = %v", i, ok)
		}
	}
}

func TestContinuedDSS(t *testing.T) {
	// An OBJDSS split into two segments: the first with the continuation bit,
	// the second a bare 2-byte length. The SQLSTT spans the split.
	sql := bytes.Repeat([]byte("S"), 20)
	obj := cat(hx(`00 1E 24 14 00 00 00 00 14`), sql[:5])
	first := cat([]byte{0x80, byte(6 + len(obj)), 0xD0, 0x03, 0x00, 0x01}, obj)
	second := cat([]byte{0x00, byte(2 + 15 + 1)}, sql[5:], []byte{0xFF})
	in := cat(jtEXCSAT, first, second)
	var v detect.Verdict
	if !Detect(&detect.Input{C2S: in}, &v) {
		t.Fatal("not recognised")
	}
	if len(v.Findings) != 1 || v.Findings[0].Record != "sql" || v.Findings[0].Length != 20 {
		t.Errorf("findings = %+v", v.Findings)
	}
}

func TestExtendedLength(t *testing.T) {
	o, rest, ok := readObject(hx(`80 04 24 14 00 00 00 03 AA BB CC DD`))
	if !ok || !o.complete || o.cp != cpSQLSTT || o.length != 3 || len(rest) != 1 {
		t.Errorf("object = %+v rest = %x ok = %v", o, rest, ok)
	}
}

func TestDecodeUser(t *testing.T) {
	tests := []struct {
		in   []byte
		utf8 bool
		want string
	}{
		{ebcdicMYUSER, false, "MYUSER"},
		{ebcdicMYUSER, true, "MYUSER"},
		{[]byte("drdauser"), true, "drdauser"},
		{[]byte("drdauser"), false, "drdauser"},
		{[]byte("MYUSER    "), false, "MYUSER"},
		{[]byte("jürgen"), true, "jürgen"},
	}
	for _, tc := range tests {
		if got := decodeUser(tc.in, tc.utf8); got != tc.want {
			t.Errorf("decodeUser(%x, %v) = %q, want %q", tc.in, tc.utf8, got, tc.want)
		}
	}
}

// hx decodes hex fixtures written with white space.
var hx = detecttest.MustHex
