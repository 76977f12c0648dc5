package ftp

import (
	"encoding/hex"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

func readHex(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/flows/" + name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	x, err := hex.DecodeString(strings.Join(strings.Fields(string(b)), ""))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return x
}

// flowInput loads a control connection extracted from a capture in
// the module's testdata/ (tshark -z follow,tcp,raw).
func flowInput(t testing.TB, name string) detect.Input {
	return detect.Input{C2S: readHex(t, name+".c2s.hex"), S2C: readHex(t, name+".s2c.hex"), ServerPort: 21, Transport: 6}
}

type want struct {
	user     string
	kinds    []string // finding kinds with severities, "kind/severity"
	upgraded bool
	tls      detect.TLSInfo
	expect   []detect.Expectation
}

func data(addr string, port uint16) detect.Expectation {
	var a netip.Addr
	if addr != "" {
		a = netip.MustParseAddr(addr)
	}
	return detect.Expectation{Addr: a, Port: port, Service: "ftp-data"}
}

var captured = []struct {
	name string
	want want
}{
	{"ftp-plain-curl", want{user: "ibmitst", kinds: []string{"cleartext_password/critical"},
		expect: []detect.Expectation{data("", 40003), data("", 40005)}}},
	{"ftp-anonymous", want{user: "anonymous", kinds: []string{"cleartext_password/low"},
		expect: []detect.Expectation{data("", 40008), data("", 40002)}}},
	// AUTH TLS answered 530 by a vsftpd without TLS: the login that follows is clear.
	{"ftp-authtls-refused-lftp", want{user: "ibmitst", kinds: []string{"tls_upgrade_refused/medium", "cleartext_password/critical"},
		expect: []detect.Expectation{data("127.0.0.1", 40003)}}},
	{"ftp-authtls-ok", want{upgraded: true,
		tls: detect.TLSInfo{Seen: true, Established: true, Offered: 0x0304, Negotiated: 0x0304, SNI: "127.0.0.1"}}},
	// curl's AUTH SSL; the server answers with a HelloRetryRequest.
	{"ftp-authssl-curl", want{upgraded: true,
		tls: detect.TLSInfo{Seen: true, Established: true, Offered: 0x0304, Negotiated: 0x0304}}},
}

func check(t *testing.T, v *detect.Verdict, w want) {
	t.Helper()
	if v.Protocol != "ftp" || v.User != w.user || v.Upgraded != w.upgraded {
		t.Errorf("verdict %q user %q upgraded %v; want user %q upgraded %v", v.Protocol, v.User, v.Upgraded, w.user, w.upgraded)
	}
	if w.upgraded && v.UpgradeHow != "AUTH TLS" {
		t.Errorf("UpgradeHow = %q", v.UpgradeHow)
	}
	var kinds []string
	for _, f := range v.Findings {
		kinds = append(kinds, f.Kind+"/"+f.Severity)
	}
	if strings.Join(kinds, ",") != strings.Join(w.kinds, ",") {
		t.Errorf("findings %v; want %v", kinds, w.kinds)
	}
	if g, e := v.TLS, w.tls; g.Seen != e.Seen || g.Established != e.Established || g.Offered != e.Offered || g.Negotiated != e.Negotiated || g.SNI != e.SNI {
		t.Errorf("TLS %+v; want %+v", g, e)
	}
	if len(v.Expect) != len(w.expect) {
		t.Fatalf("expect %+v; want %+v", v.Expect, w.expect)
	}
	for i := range w.expect {
		if v.Expect[i] != w.expect[i] {
			t.Errorf("expect[%d] = %+v; want %+v", i, v.Expect[i], w.expect[i])
		}
	}
}

func TestCaptured(t *testing.T) {
	for _, tc := range captured {
		t.Run(tc.name, func(t *testing.T) {
			in := flowInput(t, tc.name)
			var v detect.Verdict
			if !Detect(&in, &v) {
				t.Fatalf("not detected")
			}
			check(t, &v, tc.want)
			noSecrets(t, &v)
		})
	}
}

// The detector is called as heads grow: every prefix pair must be safe
// and, once the greeting is there, recognised.
func TestGrowing(t *testing.T) {
	for _, tc := range captured {
		in := flowInput(t, tc.name)
		for i := 0; i <= len(in.C2S); i += 7 {
			for _, j := range []int{0, 4, len(in.S2C) / 2, len(in.S2C)} {
				p := detect.Input{C2S: in.C2S[:i], S2C: in.S2C[:j], ServerPort: 21}
				var v detect.Verdict
				ok := Detect(&p, &v)
				if j >= 4 && !ok {
					t.Fatalf("%s c2s[:%d] s2c[:%d] not detected", tc.name, i, j)
				}
				noSecrets(t, &v)
			}
		}
	}
}

func noSecrets(t *testing.T, v *detect.Verdict) {
	t.Helper()
	for _, f := range v.Findings {
		all := strings.Join([]string{f.Message, f.User, f.Protocol, f.Mechanism, f.Record}, "|") + "|" + v.User
		for _, s := range detecttest.Secrets(t, "Fake-Pw-ftp-7Q", "ftp@example.com", "s3cr3tPW") {
			if strings.Contains(all, s) {
				t.Fatalf("finding %+v contains a password", f)
			}
		}
	}
}

// Synthetic transcripts: the IBM i greeting is the one of the protocol
// reference (§8.1, zmap/ztag FtpIbm.py); other replies follow vsftpd's.
var transcripts = []struct {
	name     string
	c2s, s2c string
	port     uint16
	mid      bool
	want     want
}{
	{"ibmi-login-rcmd",
		"USER QSECOFR\r\nPASS s3cr3tPW\r\nSYST\r\nRCMD CRTLIB LIB(TEST)\r\nQUOTE SITE NAMEFMT 1\r\nSITE NAMEFMT 1\r\nPORT 10,1,2,3,195,80\r\nRETR QGPL/QCLSRC\r\n",
		"220-QTCP at AS400.EXAMPLE.COM.\r\n220 Connection will close if idle more than 5 minutes.\r\n" +
			"331 Enter password.\r\n230 QSECOFR logged on.\r\n" +
			"215  OS/400 is the remote operating system. The TCP/IP version is \"V7R1M0\".\r\n" +
			"250 Command CRTLIB LIB(TEST) successful.\r\n500 Unknown command.\r\n250 Now using naming format \"1\".\r\n" +
			"200 PORT subcommand request successful.\r\n150 Retrieving member QCLSRC in file QCLSRC in library QGPL.\r\n250 File transfer completed successfully.\r\n",
		21, false,
		want{user: "QSECOFR", kinds: []string{"cleartext_password/critical", "sensitive_data_visible/medium"},
			expect: []detect.Expectation{data("10.1.2.3", 50000)}}},
	{"login-failure",
		"USER bob\r\nPASS s3cr3tPW\r\nUSER bob\r\nPASS s3cr3tPW\r\nQUIT\r\n",
		"220 (vsFTPd 3.0.3)\r\n331 Please specify the password.\r\n530 Login incorrect.\r\n331 Please specify the password.\r\n530 Login incorrect.\r\n221 Goodbye.\r\n",
		2121, false,
		want{user: "bob", kinds: []string{"cleartext_password/critical", "authentication_failure/medium"}}},
	{"user-only",
		"USER alice\r\n", "220-QTCP at X.\r\n220 Connection will close if idle more than 5 minutes.\r\n331 Enter password.\r\n",
		21, false, want{user: "alice", kinds: []string{"user_id_exposed/low"}}},
	{"eprt-v6",
		"USER anonymous\r\nPASS\r\nEPRT |2|fe80::1|5282|\r\nEPRT |1|10.0.0.9|6000|\r\nLIST\r\n",
		"220 FTP server ready\r\n331 ok\r\n230 ok\r\n200 EPRT ok\r\n500 no\r\n150 here\r\n226 done\r\n",
		21, false, want{user: "anonymous", expect: []detect.Expectation{data("fe80::1", 5282)}}},
	// The greeting was missed but the 331 that asks for the password
	// vouches for FTP; it answers USER, not a greeting.
	{"user-331-without-greeting",
		"USER bob\r\nPASS s3cr3tPW\r\n", "331 Please specify the password.\r\n530 Login incorrect.\r\n",
		2121, false, want{user: "bob", kinds: []string{"cleartext_password/critical", "authentication_failure/medium"}}},
	{"midstream-auth-tls-234", "AUTH TLS\r\n", "234 Proceed with negotiation.\r\n", 2121, true, want{}},
	{"midstream-user-331", "USER bob\r\n", "331 Please specify the password.\r\n", 2121, true,
		want{user: "bob", kinds: []string{"user_id_exposed/low"}}},
	{"greeting-only", "", "220-QTCP at AS400.EXAMPLE.COM.\r\n", 2121, false, want{}},
	{"client-only", "AUTH TLS\r\n", "", 2121, false, want{}},
	{"midstream", "0000 XYZ\r\nPASV\r\nRETR a\r\n", "ng.\r\n227 Entering Passive Mode (192,168,5,6,4,1)\r\n150 ok\r\n",
		21, true, want{expect: []detect.Expectation{data("192.168.5.6", 1025)}}},
}

func TestTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.name, func(t *testing.T) {
			in := detect.Input{C2S: []byte(tc.c2s), S2C: []byte(tc.s2c), ServerPort: tc.port, MidStream: tc.mid}
			var v detect.Verdict
			if !Detect(&in, &v) {
				t.Fatalf("not detected")
			}
			check(t, &v, tc.want)
			noSecrets(t, &v)
		})
	}
}

func TestCLCommandLength(t *testing.T) {
	in := detect.Input{C2S: []byte("USER A\r\nPASS B\r\nRCMD DLTLIB X\r\n"), S2C: []byte("220 FTP\r\n")}
	var v detect.Verdict
	Detect(&in, &v)
	for _, f := range v.Findings {
		if f.Kind == detect.KindSensitiveDataVisible {
			if f.Record != "cl-command" || f.Length != len("DLTLIB X") || strings.Contains(f.Message, "DLTLIB") {
				t.Errorf("cl-command finding %+v", f)
			}
			return
		}
	}
	t.Errorf("no cl-command finding: %+v", v.Findings)
}

func TestForeign(t *testing.T) {
	cases := []struct {
		name     string
		c2s, s2c string
		port     uint16
	}{
		{"smtp", "EHLO client\r\n", "220 mail.example.com ESMTP Postfix\r\n", 25},
		{"smtp-greeting", "", "220 mail.example.com ESMTP Postfix\r\n", 25},
		{"smtp-greeting-ftp-host", "", "220 ftp.example.com ESMTP Postfix\r\n", 25},
		{"http", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\n", 21},
		{"ssh", "SSH-2.0-OpenSSH_9.2\r\n", "SSH-2.0-OpenSSH_9.2\r\n", 21},
		{"pop3", "USER bob\r\n", "+OK POP3 ready\r\n", 110},
		// Review reproductions: POP3 without its greeting, SMTP AUTH mid-stream.
		{"pop3-no-greeting", "USER bob\r\nPASS s3cr3tPW\r\n", "", 110},
		{"pop3-replies-only", "USER bob\r\nPASS s3cr3tPW\r\n", "+OK\r\n+OK logged in\r\n", 21},
		{"pop3-err", "USER bob\r\n", "-ERR unknown\r\n", 110},
		{"smtp-auth-plain-235", "AUTH PLAIN AGJvYgBzZWNyZXQ=\r\n", "235 2.7.0 Authentication successful\r\n", 587},
		{"smtp-auth-login-334", "AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n", 587},
		{"smtp-greeting-auth-plain", "AUTH PLAIN AGJvYgBzZWNyZXQ=\r\n", "220 mail.example.com ESMTP\r\n", 587},
		{"auth-tls-235", "AUTH TLS\r\n", "235 ok\r\n", 587},
		{"hostserver", "\x00\x00\x00\x34\x00\x00\xe0\x09", "", 8476},
		{"telnet", "\xff\xfb\x18", "\xff\xfd\x27\xff\xfd\x18", 23},
		{"binary", strings.Repeat("\x00", 100), "", 21},
		{"long", strings.Repeat("A", 2000), "", 21},
	}
	for _, tc := range cases {
		for _, mid := range []bool{false, true} {
			in := detect.Input{C2S: []byte(tc.c2s), S2C: []byte(tc.s2c), ServerPort: tc.port, MidStream: mid}
			var v detect.Verdict
			if Detect(&in, &v) {
				t.Errorf("%s (mid %v): detected %+v", tc.name, mid, v)
			}
		}
	}
	// Implicit FTPS (990) is TLS from the first byte: not this detector's.
	in := flowInput(t, "ftps-implicit-990")
	if Detect(&in, &detect.Verdict{}) {
		t.Errorf("implicit FTPS detected as ftp")
	}
}

func TestAddr(t *testing.T) {
	if ap, ok := pasv([]byte("Entering Passive Mode (127,0,0,1,156,67).")); !ok || ap != netip.MustParseAddrPort("127.0.0.1:40003") {
		t.Errorf("pasv = %v, %v", ap, ok)
	}
	if ap, ok := pasv([]byte("Entering Passive Mode 10,0,0,1,300,1")); ok {
		t.Errorf("pasv accepted 300: %v", ap)
	}
	if p, ok := epsv([]byte("Entering Extended Passive Mode (|||40008|)")); !ok || p != 40008 {
		t.Errorf("epsv = %v, %v", p, ok)
	}
	if p, ok := epsv([]byte("Entering Extended Passive Mode (!!!6446!)")); !ok || p != 6446 {
		t.Errorf("epsv other delimiter = %v, %v", p, ok)
	}
	for _, bad := range []string{"(|||0|)", "(|||70000|)", "(|||12", "(||", "(|||123456|)"} {
		if p, ok := epsv([]byte(bad)); ok {
			t.Errorf("epsv(%q) = %v", bad, p)
		}
	}
	if ap, ok := eprt([]byte("|1|132.235.1.2|6275|")); !ok || ap != netip.MustParseAddrPort("132.235.1.2:6275") {
		t.Errorf("eprt = %v, %v", ap, ok)
	}
	for _, bad := range []string{"|1|::1|6275|", "|2|1.2.3.4|6275|", "|3|1.2.3.4|1|", "|1|1.2.3.4|0|", "|1|1.2.3.4|"} {
		if ap, ok := eprt([]byte(bad)); ok {
			t.Errorf("eprt(%q) = %v", bad, ap)
		}
	}
}

// ftp-ccc (ProFTPD, curl --ftp-ssl-ccc): AUTH SSL, the login inside TLS,
// then CCC; the commands after it (PWD, EPSV, TYPE, LIST) are in clear.
// The session is downgraded, and the EPSV answer read in clear announces
// the data connection.
func TestCCC(t *testing.T) {
	in := flowInput(t, "ftp-ccc")
	var v detect.Verdict
	if !Detect(&in, &v) {
		t.Fatal("not detected")
	}
	if !v.Upgraded || !v.Downgraded || v.TLS.Negotiated != 0x0304 {
		t.Errorf("upgraded %v downgraded %v TLS %#x; want an upgrade to TLS 1.3, then CCC", v.Upgraded, v.Downgraded, v.TLS.Negotiated)
	}
	if len(v.Expect) != 1 || v.Expect[0].Port != 40001 {
		t.Errorf("expect %+v; want the EPSV port 40001", v.Expect)
	}
	// Without the clear part (the head ends inside TLS) there is no CCC.
	in.C2S = in.C2S[:len(in.C2S)/3]
	v = detect.Verdict{}
	Detect(&in, &v)
	if v.Downgraded {
		t.Error("downgraded on a head that ends inside TLS")
	}
	// The upgraded sessions of the other captures stay encrypted.
	for _, name := range []string{"ftp-authtls-ok", "ftp-authssl-curl"} {
		in := flowInput(t, name)
		var v detect.Verdict
		Detect(&in, &v)
		if v.Downgraded {
			t.Errorf("%s: downgraded", name)
		}
	}
}
