package telnet

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

// loadFollow reads testdata/NAME.follow, a tshark follow dump of a recorded flow.
func loadFollow(t testing.TB, name string) (c2s, s2c []byte) {
	t.Helper()
	return detecttest.LoadFollow(t, filepath.Join("testdata", name+".follow"))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TN5250 opening as listed in docs/protocols.md, "Telnet and TN5250" (server seed
// 01..08), then EOR and BINARY both ways.
var (
	tnServerOpen = cat(hx(`FF FD 27 FF FD 18`),
		hx(`FF FA 27 01 03 49 42 4D 52 53 45 45 44 01 02 03 04 05 06 07 08 00 03 FF F0`),
		hx(`FF FA 18 01 FF F0`),
		hx(`FF FD 19 FF FB 19 FF FD 00 FF FB 00`))
	tnClientOpen = hx(`FF FB 27 FF FB 18`)
	tnTermType   = hx(`FF FA 18 00 49 42 4D 2D 33 31 37 39 2D 32 FF F0`) // IS "IBM-3179-2"
	tnBinaryEOR  = hx(`FF FB 19 FF FD 19 FF FB 00 FF FD 00`)
	// Appendix A.11: USER MYUSER, IBMRSEED as tn5250j sends it (ESC + eight
	// NULs), IBMSUBSPW "Secret12".
	envClearPW = hx(`FF FA 27 00 00 55 53 45 52 01 4D 59 55 53 45 52
		03 49 42 4D 52 53 45 45 44 01 02 00 00 00 00 00 00 00 00
		03 49 42 4D 53 55 42 53 50 57 01 53 65 63 72 65 74 31 32 FF F0`)
	// The same with a real client seed and an 8-byte substitute.
	envSubstitute = hx(`FF FA 27 00 00 55 53 45 52 01 4D 59 55 53 45 52
		03 49 42 4D 52 53 45 45 44 01 A1 B2 C3 D4 E5 F6 07 18
		03 49 42 4D 53 55 42 53 50 57 01 3E 1F 9A 18 A6 BC BD 78 FF F0`)
	// IBMRSEED with an empty value, the other clear-text form (§7.3).
	envEmptySeed = hx(`FF FA 27 00 00 55 53 45 52 01 4D 59 55 53 45 52
		03 49 42 4D 52 53 45 45 44 01
		03 49 42 4D 53 55 42 53 50 57 01 53 65 63 72 65 74 31 32 FF F0`)
	envUserOnly = hx(`FF FA 27 00 00 55 53 45 52 01 4D 59 55 53 45 52 03 44 45 56 4E 41 4D 45 01 51 50 41 44 45 56 30 30 30 31 FF F0`)
)

// 5250 sign-on screen (constructed from §7.4): clear unit, write to display
// with "Sign On", "User" and "Password" texts, an input field at row 6
// column 53 (data from column 54) and a non-display (0x27) input field at
// row 7, then Read MDT Fields.
var signonRecord = func() []byte {
	data := cat(hx(`04 40 04 11 00 18`),
		hx(`11 01 23 E2 89 87 95 40 D6 95`),
		hx(`11 06 11 E4 A2 85 99`),
		hx(`11 06 35 1D 40 00 24 00 0A`),
		hx(`11 07 11 D7 81 A2 A2 A6 96 99 84`),
		hx(`11 07 35 1D 40 00 27 00 0A`),
		hx(`04 52 00 00`))
	return rec5250(3, data)
}()

// rec5250 wraps 5250 data into a display record with IAC EOR.
func rec5250(opcode byte, data []byte) []byte {
	n := 10 + len(data)
	r := cat([]byte{byte(n >> 8), byte(n), 0x12, 0xA0, 0x00, 0x00, 0x04, 0x00, 0x00, opcode}, data)
	r = bytes.ReplaceAll(r, []byte{0xFF}, []byte{0xFF, 0xFF})
	return append(r, 0xFF, 0xEF)
}

var (
	ebcdicMYUSER = hx(`D4 E8 E4 E2 C5 D9`)
	ebcdicPW     = hx(`E2 85 83 99 85 A3 F1 F2`) // "Secret12"
	// Enter with cursor on the password field; both fields modified.
	signonEnter = rec5250(3, cat(hx(`07 36 F1 11 06 36`), ebcdicMYUSER, hx(`11 07 36`), ebcdicPW))
	// Enter with only the user field filled in.
	signonUserOnly = rec5250(3, cat(hx(`06 3C F1 11 06 36`), ebcdicMYUSER))
	// Read Input Fields variant: both fields at full length, no SBA.
	signonInputRecord = bytes.Replace(signonRecord, hx(`04 52 00 00`), hx(`04 42 00 00`), 1)
	signonInputEnter  = rec5250(3, cat(hx(`07 36 F1`), ebcdicMYUSER, hx(`40 40 40 40`), ebcdicPW, hx(`40 40`)))
	// TN5250E startup response record, code 8937 (auto-sign-on rejected).
	startup8937 = func() []byte {
		data := cat(hx(`00 00 00 00 00`), hx(`F8 F9 F3 F7`))
		n := 10 + len(data)
		return cat([]byte{byte(n >> 8), byte(n), 0x12, 0xA0, 0x00, 0x90, 0x04, 0x00, 0x00, 0x00}, data, hx(`FF EF`))
	}()
)

// reviewClient answers a login prompt in line mode: user bob, then the
// password.
var reviewClient = cat(hx(`FF FB 18`), []byte("bob\r\nS3cr3t!pw\r\n"))

type want struct {
	kind, user, mech, proto string
}

func TestDetect(t *testing.T) {
	okC, okS := loadFollow(t, "rec-login-ok")
	badC, badS := loadFollow(t, "rec-login-bad")
	noC, noS := loadFollow(t, "rec-nologin")
	l23C, l23S := loadFollow(t, "telnet-login-23")
	l992C, l992S := loadFollow(t, "telnet-login-992")
	b23C, b23S := loadFollow(t, "telnet-badlogin-23")
	n23C, n23S := loadFollow(t, "telnet-nologin-23")
	tests := []struct {
		name     string
		c2s, s2c []byte
		proto    string
		user     string
		upgraded bool
		want     []want
	}{
		{"recorded login", okC, okS, "telnet", "tnrec", false, []want{
			{detect.KindCleartextPassword, "tnrec", "", "telnet login"}}},
		{"recorded failed login", badC, badS, "telnet", "tnrec", false, []want{
			{detect.KindCleartextPassword, "tnrec", "", "telnet login"},
			{detect.KindAuthFailure, "tnrec", "", "telnet login"}}},
		{"recorded no login", noC, noS, "telnet", "", false, nil},
		{"testdata telnet-login-23", l23C, l23S, "telnet", "ibmitst", false, []want{
			{detect.KindCleartextPassword, "ibmitst", "", "telnet login"}}},
		{"testdata telnet-login-992", l992C, l992S, "telnet", "ibmitst", false, []want{
			{detect.KindCleartextPassword, "ibmitst", "", "telnet login"}}},
		{"testdata telnet-badlogin-23", b23C, b23S, "telnet", "ibmitst", false, []want{
			{detect.KindCleartextPassword, "ibmitst", "", "telnet login"},
			{detect.KindAuthFailure, "ibmitst", "", "telnet login"}}},
		{"testdata telnet-nologin-23", n23C, n23S, "telnet", "", false, nil},
		{"recorded login, user typed only", okC[:bytes.Index(okC, []byte("Fake-Pw"))], okS, "telnet", "tnrec", false, []want{
			{detect.KindUserIDExposed, "tnrec", "", "telnet login"}}},
		{"recorded login, no password prompt yet", okC, okS[:bytes.Index(okS, []byte("Password"))], "telnet", "", false, nil},
		{"character mode with echo and erase", cat(hx(`FF FD 01`), []byte("x\x7fbob\x08b\r\x00s3cretpw\r\x00")),
			cat(hx(`FF FB 01`), []byte("\r\nhost login: x\x08 \x08bob\x08 \x08b\r\nPassword: ")), "telnet", "bob", false, []want{
				{detect.KindCleartextPassword, "bob", "", "telnet login"}}},
		{"line mode, empty enter first", cat(hx(`FF FB 18`), []byte("\r\nalice\r\nwonderland\r\n")),
			cat(hx(`FF FD 18`), []byte("Username: Username: \r\nPassword: ")), "telnet", "alice", false, []want{
				{detect.KindCleartextPassword, "alice", "", "telnet login"}}},
		// Reviewer's transcripts: a banner sentence with "user:" in it is no
		// prompt, so the password line is never taken for the user.
		{"banner with user: in a sentence", reviewClient,
			cat(hx(`FF FD 18`), []byte("Notice to user: authorized use only\r\nlogin: \r\nPassword: \r\n$ ")), "telnet", "bob", false, []want{
				{detect.KindCleartextPassword, "bob", "", "telnet login"}}},
		{"banner with user:, name echoed", reviewClient,
			cat(hx(`FF FD 18`), []byte("Notice to user: authorized use only\r\nlogin: bob\r\nPassword: \r\n$ ")), "telnet", "bob", false, []want{
				{detect.KindCleartextPassword, "bob", "", "telnet login"}}},
		{"banner naming the user, line mode", reviewClient,
			cat(hx(`FF FD 18`), []byte("Note to user: bob\r\nlogin: \r\nPassword: \r\n$ ")), "telnet", "bob", false, []want{
				{detect.KindCleartextPassword, "bob", "", "telnet login"}}},
		{"banner line ending like a prompt", reviewClient,
			cat(hx(`FF FD 18`), []byte("Please login:\r\nlogin: \r\nPassword: \r\n$ ")), "telnet", "bob", false, []want{
				{detect.KindCleartextPassword, "bob", "", "telnet login"}}},
		{"non-echoing line mode, prompts on one line", reviewClient,
			cat(hx(`FF FD 18`), []byte("login: Password: \r\n$ ")), "telnet", "bob", false, []want{
				{detect.KindCleartextPassword, "bob", "", "telnet login"}}},
		{"line mode rejected", reviewClient,
			cat(hx(`FF FD 18`), []byte("Username: \r\nPassword: \r\nLogin incorrect\r\n")), "telnet", "bob", false, []want{
				{detect.KindCleartextPassword, "bob", "", "telnet login"},
				{detect.KindAuthFailure, "bob", "", "telnet login"}}},
		{"password word in a sentence is no prompt", reviewClient,
			cat(hx(`FF FD 18`), []byte("login: \r\nYour password: expires soon\r\n$ ")), "telnet", "", false, nil},
		{"tn5250 auto-sign-on clear", cat(tnClientOpen, envClearPW, tnTermType, tnBinaryEOR), tnServerOpen, "tn5250", "MYUSER", false, []want{
			{detect.KindCleartextPassword, "MYUSER", "IBMSUBSPW without seed", "telnet NEW-ENVIRON"}}},
		{"tn5250 auto-sign-on empty seed", cat(tnClientOpen, envEmptySeed, tnTermType), tnServerOpen, "tn5250", "MYUSER", false, []want{
			{detect.KindCleartextPassword, "MYUSER", "IBMSUBSPW without seed", "telnet NEW-ENVIRON"}}},
		{"tn5250 auto-sign-on substitute", cat(tnClientOpen, envSubstitute, tnTermType), tnServerOpen, "tn5250", "MYUSER", false, []want{
			{detect.KindPasswordHashExposed, "MYUSER", "IBMSUBSPW DES", "telnet NEW-ENVIRON"}}},
		{"tn5250 user only", cat(tnClientOpen, envUserOnly, tnTermType), tnServerOpen, "tn5250", "MYUSER", false, []want{
			{detect.KindUserIDExposed, "MYUSER", "", "telnet NEW-ENVIRON"}}},
		{"tn5250 negotiation only", cat(tnClientOpen, tnTermType, tnBinaryEOR), tnServerOpen, "tn5250", "", false, nil},
		{"tn5250 auto-sign-on rejected", cat(tnClientOpen, envClearPW, tnTermType, tnBinaryEOR), cat(tnServerOpen, startup8937), "tn5250", "MYUSER", false, []want{
			{detect.KindCleartextPassword, "MYUSER", "IBMSUBSPW without seed", "telnet NEW-ENVIRON"},
			{detect.KindAuthFailure, "MYUSER", "", "tn5250 startup response"}}},
		{"tn5250 sign-on screen", cat(tnClientOpen, tnTermType, tnBinaryEOR, signonEnter), cat(tnServerOpen, signonRecord), "tn5250", "MYUSER", false, []want{
			{detect.KindCleartextPassword, "MYUSER", "5250 non-display field", "tn5250 sign-on"}}},
		{"tn5250 sign-on screen, read input fields", cat(tnClientOpen, tnTermType, tnBinaryEOR, signonInputEnter), cat(tnServerOpen, signonInputRecord), "tn5250", "MYUSER", false, []want{
			{detect.KindCleartextPassword, "MYUSER", "5250 non-display field", "tn5250 sign-on"}}},
		{"tn5250 sign-on screen, user only", cat(tnClientOpen, tnTermType, tnBinaryEOR, signonUserOnly), cat(tnServerOpen, signonRecord), "tn5250", "MYUSER", false, []want{
			{detect.KindUserIDExposed, "MYUSER", "", "tn5250 sign-on"}}},
		{"tn5250 sign-on screen, no answer", cat(tnClientOpen, tnTermType, tnBinaryEOR), cat(tnServerOpen, signonRecord), "tn5250", "", false, nil},
		{"start_tls", cat(hx(`FF FB 2E FF FA 2E 01 FF F0 16 03 01 00 05 01 00 00 01 00`)), hx(`FF FD 2E FF FA 2E 01 FF F0 16 03 03`), "telnet", "", true, nil},
		{"start_tls refused", hx(`FF FB 2E`), hx(`FF FE 2E`), "telnet", "", false, nil},
		{"client first", hx(`FF FD 03 FF FB 18`), nil, "telnet", "", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v detect.Verdict
			if !Detect(&detect.Input{C2S: tc.c2s, S2C: tc.s2c, ServerPort: 23, ClientPort: 40000, Transport: 6}, &v) {
				t.Fatal("not recognised")
			}
			if v.Protocol != tc.proto || v.Service != "" {
				t.Errorf("protocol/service = %q/%q, want %q", v.Protocol, v.Service, tc.proto)
			}
			if v.User != tc.user {
				t.Errorf("user = %q, want %q", v.User, tc.user)
			}
			if v.Upgraded != tc.upgraded || (tc.upgraded && v.UpgradeHow != "START_TLS") {
				t.Errorf("upgraded = %v %q", v.Upgraded, v.UpgradeHow)
			}
			if len(v.Findings) != len(tc.want) {
				t.Fatalf("findings = %+v, want %+v", v.Findings, tc.want)
			}
			for i, w := range tc.want {
				f := v.Findings[i]
				if f.Kind != w.kind || f.User != w.user || f.Mechanism != w.mech || f.Protocol != w.proto {
					t.Errorf("finding %d = %+v, want %+v", i, f, w)
				}
			}
		})
	}
}

// TestSeverities pins the severities the contract gives each kind.
func TestSeverities(t *testing.T) {
	sev := map[string]string{
		detect.KindCleartextPassword:   detect.SevCritical,
		detect.KindPasswordHashExposed: detect.SevHigh,
		detect.KindUserIDExposed:       detect.SevLow,
		detect.KindAuthFailure:         detect.SevMedium,
	}
	badC, badS := loadFollow(t, "rec-login-bad")
	for i, in := range [][2][]byte{
		{badC, badS},
		{cat(tnClientOpen, envSubstitute), tnServerOpen},
		{cat(tnClientOpen, envUserOnly), tnServerOpen},
	} {
		var v detect.Verdict
		Detect(&detect.Input{C2S: in[0], S2C: in[1]}, &v)
		if len(v.Findings) == 0 {
			t.Errorf("input %d: no findings", i)
		}
		for _, f := range v.Findings {
			if sev[f.Kind] != f.Severity || f.Message == "" {
				t.Errorf("input %d: %+v", i, f)
			}
		}
	}
}

// TestNoSecrets checks that no password ever reaches a verdict.
func TestNoSecrets(t *testing.T) {
	secrets := []string{"Fake-Pw-tn-9Z", "Wrong-Pw-tn-1A", "Fake-Pw-tel-3K", "Fake-Pw-tel-wrong-8J", "Secret12", "s3cretpw", "wonderland"}
	var inputs [][2][]byte
	for _, name := range []string{"rec-login-ok", "rec-login-bad", "telnet-login-23", "telnet-login-992", "telnet-badlogin-23"} {
		c, s := loadFollow(t, name)
		inputs = append(inputs, [2][]byte{c, s})
	}
	inputs = append(inputs, [][2][]byte{
		{cat(tnClientOpen, envClearPW, tnTermType), tnServerOpen},
		{cat(tnClientOpen, tnTermType, tnBinaryEOR, signonEnter), cat(tnServerOpen, signonRecord)},
		{cat(hx(`FF FB 18`), []byte("\r\nalice\r\nwonderland\r\n")), cat(hx(`FF FD 18`), []byte("Username: Username: \r\nPassword: "))},
	}...)
	for i, in := range inputs {
		var v detect.Verdict
		if !Detect(&detect.Input{C2S: in[0], S2C: in[1]}, &v) {
			t.Fatalf("input %d not recognised", i)
		}
		text := v.User + "|" + v.UpgradeHow
		for _, f := range v.Findings {
			text += "|" + f.Message + "|" + f.User + "|" + f.Protocol + "|" + f.Mechanism + "|" + f.Record
		}
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("input %d: verdict contains %q: %s", i, s, text)
			}
		}
	}
}

func TestReject(t *testing.T) {
	tests := []struct {
		name     string
		c2s, s2c []byte
	}{
		{"empty", nil, nil},
		{"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\n")},
		{"tls", hx(`16 03 01 02 00 01 00 01 fc 03 03`), hx(`16 03 03 00 7a 02`)},
		{"host server", hx(`00 00 00 34 00 00 E0 09 00 00 00 00 00 00 00 00 00 00 70 03`), nil},
		{"drda", hx(`00 13 D0 01 00 00 00 0D 10 41 00 09 11 5E D1 E3 F4 F0 F0`), nil},
		{"ssh", []byte("SSH-2.0-OpenSSH_9.2p1\r\n"), []byte("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")},
		{"ftp", []byte("USER bob\r\nPASS x\r\n"), []byte("220-QTCP at ibmi\r\n331 Password:\r\n")},
		{"plain login prompt without negotiation", []byte("bob\r\npw\r\n"), []byte("login: Password: ")},
		{"random ff", hx(`FF FB`), nil},
		{"ff fb junk", hx(`FF FB 01 FF 00 99 12 34`), nil},
		{"ff data", hx(`FF 10 20 30`), hx(`FF 41`)},
		// UTF-16LE text behind its byte-order mark reads as IAC DONT.
		{"utf-16le bom", cat(hx(`FF FE`), []byte("H\x00e\x00l\x00l\x00o\x00")), nil},
		{"utf-16le bom, space first", cat(hx(`FF FE`), []byte(" \x00l\x00o\x00g\x00i\x00n\x00")), nil},
		{"one command then binary", hx(`FF FB 01 00 12 34 56 78 9A BC`), hx(`00 01 02 03`)},
		{"unknown option", hx(`FF FB 48 FF FD 18`), nil},
		{"two commands, second unknown", hx(`FF FB 01 FF FD 99`), nil},
		{"stray command in sub-negotiation", hx(`FF FA 18 01 FF FB 18 FF F0 FF FD 01`), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v detect.Verdict
			if Detect(&detect.Input{C2S: tc.c2s, S2C: tc.s2c}, &v) {
				t.Errorf("recognised as %+v", v)
			}
		})
	}
}

// TestRandomBytes feeds random heads (fixed seed) to the detector: binary
// that happens to start FF FA..FE must not pass for Telnet.
func TestRandomBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 23))
	head := func() []byte {
		b := make([]byte, 64+r.IntN(65))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		// Half start with IAC and a negotiation command, the case at issue.
		if r.IntN(2) == 0 {
			b[0], b[1] = iac, byte(sb+r.IntN(5))
		}
		return b
	}
	const n = 200000
	hits := 0
	for i := 0; i < n; i++ {
		var v detect.Verdict
		c, s := head(), head()
		if Detect(&detect.Input{C2S: c, S2C: s, Transport: 6, ServerPort: 40000}, &v) {
			hits++
			t.Logf("% x\n% x", c[:20], s[:20])
		}
	}
	if hits != 0 {
		t.Errorf("%d of %d random flows taken for Telnet", hits, n)
	}
}

func TestPrefixes(t *testing.T) {
	c, s := loadFollow(t, "rec-login-ok")
	for i := 0; i <= len(c); i++ {
		for _, j := range []int{0, i / 2, i, len(s)} {
			var v detect.Verdict
			Detect(&detect.Input{C2S: c[:i], S2C: s[:min(j, len(s))]}, &v)
			for _, f := range v.Findings {
				if f.Kind == detect.KindCleartextPassword && f.User != "tnrec" {
					t.Fatalf("prefix %d/%d: %+v", i, j, f)
				}
			}
		}
	}
}

func TestEnviron(t *testing.T) {
	vars, ok := environ(envClearPW[3 : len(envClearPW)-2])
	if !ok {
		t.Fatal("not parsed")
	}
	var names []string
	for _, v := range vars {
		names = append(names, v.name)
	}
	// The tn5250j seed reads as a one-byte value and seven empty VARs.
	if got := strings.Join(names, ","); got != "USER,IBMRSEED,,,,,,,,IBMSUBSPW" {
		t.Errorf("names = %s", got)
	}
}

// hx decodes hex fixtures written with white space.
var hx = detecttest.MustHex
