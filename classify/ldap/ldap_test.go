package ldap

import (
	"encoding/hex"
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
	return unhex(t, string(b))
}

// flowInput loads a connection extracted from a capture in
// the module's testdata/ (OpenLDAP slapd 2.5 and ldapsearch, tshark -z
// follow,tcp,raw).
func flowInput(t testing.TB, name string, mid bool) detect.Input {
	return detect.Input{C2S: readHex(t, name+".c2s.hex"), S2C: readHex(t, name+".s2c.hex"), ServerPort: 389, Transport: 6, MidStream: mid}
}

type want struct {
	user     string
	kinds    []string // "kind/severity"
	proto    string   // Protocol of the first finding
	upgraded bool
	tls      detect.TLSInfo
}

const alice = "uid=alice,ou=people,dc=example,dc=com"

var captured = []struct {
	name string
	mid  bool
	want want
}{
	{"ldap-simple-bind", false, want{user: alice, kinds: []string{"cleartext_password/critical"}, proto: "ldap bind (simple)"}},
	{"ldap-bind-fail", false, want{user: alice, kinds: []string{"cleartext_password/critical", "authentication_failure/medium"}, proto: "ldap bind (simple)"}},
	{"ldap-anonymous", false, want{}},
	// The capture starts after the bind: searches only, nothing to report.
	{"ldap-midsession", true, want{}},
	{"ldap-starttls", false, want{upgraded: true,
		tls: detect.TLSInfo{Seen: true, Established: true, Offered: 0x0304, Negotiated: 0x0304}}},
}

func check(t *testing.T, v *detect.Verdict, w want) {
	t.Helper()
	if v.Protocol != "ldap" || v.User != w.user || v.Upgraded != w.upgraded {
		t.Errorf("protocol %q user %q upgraded %v; want user %q upgraded %v", v.Protocol, v.User, v.Upgraded, w.user, w.upgraded)
	}
	if w.upgraded && v.UpgradeHow != "StartTLS" {
		t.Errorf("UpgradeHow %q", v.UpgradeHow)
	}
	var kinds []string
	for _, f := range v.Findings {
		kinds = append(kinds, f.Kind+"/"+f.Severity)
	}
	if strings.Join(kinds, ",") != strings.Join(w.kinds, ",") {
		t.Errorf("findings %v; want %v", kinds, w.kinds)
	}
	if w.proto != "" && (len(v.Findings) == 0 || v.Findings[0].Protocol != w.proto) {
		t.Errorf("findings %+v; want protocol %q", v.Findings, w.proto)
	}
	if g, e := v.TLS, w.tls; g.Seen != e.Seen || g.Established != e.Established || g.Offered != e.Offered || g.Negotiated != e.Negotiated {
		t.Errorf("TLS %+v; want %+v", g, e)
	}
	for _, f := range v.Findings {
		all := strings.Join([]string{f.Message, f.User, f.Protocol, f.Mechanism, f.Record, v.User}, "|")
		for _, s := range detecttest.Secrets(t, "Fake-Pw-ldap-4M", "s3cr3t", "plainpw") {
			if strings.Contains(all, s) {
				t.Fatalf("finding %+v contains a password", f)
			}
		}
	}
}

func TestCaptured(t *testing.T) {
	for _, tc := range captured {
		t.Run(tc.name, func(t *testing.T) {
			in := flowInput(t, tc.name, tc.mid)
			var v detect.Verdict
			if !Detect(&in, &v) {
				t.Fatalf("not detected")
			}
			check(t, &v, tc.want)
		})
	}
}

// Heads grow: a bind cut short reports no password; every prefix is safe.
func TestGrowing(t *testing.T) {
	in := flowInput(t, "ldap-simple-bind", false)
	bindLen := 2 + int(in.C2S[1])
	for i := 0; i <= len(in.C2S); i++ {
		p := detect.Input{C2S: in.C2S[:i], S2C: in.S2C}
		var v detect.Verdict
		ok := Detect(&p, &v)
		if i >= 7 && !ok {
			t.Fatalf("c2s[:%d] not detected", i)
		}
		if hasKind(&v, detect.KindCleartextPassword) != (i >= bindLen) {
			t.Fatalf("c2s[:%d]: findings %+v", i, v.Findings)
		}
	}
	for _, tc := range captured {
		in := flowInput(t, tc.name, tc.mid)
		for i := 0; i <= len(in.C2S); i += 3 {
			for j := 0; j <= len(in.S2C); j += 50 {
				Detect(&detect.Input{C2S: in.C2S[:i], S2C: in.S2C[:j], MidStream: tc.mid}, &detect.Verdict{})
				Detect(&detect.Input{C2S: in.C2S[i:], S2C: in.S2C[j:], MidStream: true}, &detect.Verdict{})
			}
		}
	}
}

func hasKind(v *detect.Verdict, kind string) bool {
	for _, f := range v.Findings {
		if f.Kind == kind {
			return true
		}
	}
	return false
}

// A head that starts inside a bind (mid-stream) must not report it.
func TestMidStreamPartialBind(t *testing.T) {
	in := flowInput(t, "ldap-simple-bind", true)
	for i := 1; i < 2+int(in.C2S[1]); i++ {
		p := detect.Input{C2S: in.C2S[i:], S2C: in.S2C, MidStream: true}
		var v detect.Verdict
		Detect(&p, &v)
		if hasKind(&v, detect.KindCleartextPassword) || hasKind(&v, detect.KindUserIDExposed) {
			t.Fatalf("c2s[%d:]: %+v", i, v.Findings)
		}
	}
}

// Synthetic messages built by hand from RFC 4511 / RFC 4616 / RFC 4513;
// the StartTLS request is the protocol reference's (§8.2, A.12).
var synthetic = []struct {
	name     string
	c2s, s2c string
	want     want
}{
	{"doc-example-bind", // the simple bind of RFC 4511 §4.2
		"301A020101601502010304 08 636e3d61646d696e 8006 736563726574", "",
		want{user: "cn=admin", kinds: []string{"cleartext_password/critical"}, proto: "ldap bind (simple)"}},
	{"unauthenticated", // DN, empty password (RFC 4513 §5.1.2)
		"3014020101600f02010304 08 636e3d61646d696e 8000", "300c02010161070a010004000400",
		want{user: "cn=admin", kinds: []string{"user_id_exposed/low"}, proto: "ldap bind (simple)"}},
	{"starttls-refused-then-bind",
		"301d02010177188016312e332e362e312e342e312e313436362e3230303337" +
			"301A020102601502010304 08 636e3d61646d696e 8006 736563726574",
		"300c02010178070a013404000400" + "300c02010261070a010004000400",
		want{user: "cn=admin", kinds: []string{"tls_upgrade_refused/medium", "cleartext_password/critical"}}},
}

func TestSynthetic(t *testing.T) {
	for _, tc := range synthetic {
		t.Run(tc.name, func(t *testing.T) {
			in := detect.Input{C2S: unhex(t, tc.c2s), S2C: unhex(t, tc.s2c)}
			var v detect.Verdict
			if !Detect(&in, &v) {
				t.Fatalf("not detected")
			}
			check(t, &v, tc.want)
		})
	}
}

// bindMsg builds a BindRequest with SASL credentials (short-form lengths).
func bindMsg(id byte, dn, mech string, cred []byte) []byte {
	sasl := append([]byte{0x04, byte(len(mech))}, mech...)
	if cred != nil {
		sasl = append(sasl, 0x04, byte(len(cred)))
		sasl = append(sasl, cred...)
	}
	auth := append([]byte{0xa3, byte(len(sasl))}, sasl...)
	body := append([]byte{0x02, 0x01, 0x03, 0x04, byte(len(dn))}, dn...)
	body = append(body, auth...)
	op := append([]byte{0x60, byte(len(body))}, body...)
	seq := append([]byte{0x02, 0x01, id}, op...)
	return append([]byte{0x30, byte(len(seq))}, seq...)
}

func TestSASL(t *testing.T) {
	cases := []struct {
		name  string
		msg   []byte
		s2c   string
		kinds []string
		user  string
		proto string
	}{
		{"plain", bindMsg(1, "", "PLAIN", []byte("\x00bob\x00plainpw")), "",
			[]string{"cleartext_password/critical"}, "bob", "ldap bind (SASL PLAIN)"},
		{"plain-authzid", bindMsg(1, "", "PLAIN", []byte("admin\x00bob\x00plainpw")), "",
			[]string{"cleartext_password/critical"}, "bob", "ldap bind (SASL PLAIN)"},
		{"external", bindMsg(1, "", "EXTERNAL", nil), "", nil, "", ""},
		{"gssapi", bindMsg(1, "", "GSSAPI", []byte{0x60, 0x82, 0x01, 0x00}), "", nil, "", ""},
		{"digest-fail", bindMsg(2, "", "DIGEST-MD5", nil), "300c02010261070a013104000400",
			[]string{"authentication_failure/medium"}, "", "ldap bind (SASL DIGEST-MD5)"},
		{"simple-with-dn-sasl", bindMsg(1, "cn=x", "EXTERNAL", nil), "",
			[]string{"user_id_exposed/low"}, "cn=x", "ldap bind (SASL EXTERNAL)"},
	}
	for _, tc := range cases {
		in := detect.Input{C2S: tc.msg, S2C: unhex(t, tc.s2c)}
		var v detect.Verdict
		if !Detect(&in, &v) {
			t.Errorf("%s: not detected", tc.name)
			continue
		}
		check(t, &v, want{user: tc.user, kinds: tc.kinds, proto: tc.proto})
	}
}

func TestForeign(t *testing.T) {
	cases := []struct{ name, hex string }{
		{"http", hex.EncodeToString([]byte("GET / HTTP/1.1\r\n\r\n"))},
		{"ssh", hex.EncodeToString([]byte("SSH-2.0-OpenSSH_9.2\r\n"))},
		{"tls", "160301020001"},
		{"hostserver", "000000340000E009000000000000000000007003"},
		{"snmp", "302902010004067075626c6963a01c0204"},
		{"indefinite", "308002010160"},
		{"huge", "3084ffffffff020101"},
		{"bad-op", "300602010104010a"},
		{"id-too-long", "300b02050102030405600200"},
		{"random", "30"},
	}
	for _, tc := range cases {
		b := unhex(t, tc.hex)
		for _, mid := range []bool{false, true} {
			var v detect.Verdict
			if Detect(&detect.Input{C2S: b, S2C: b, MidStream: mid}, &v) {
				t.Errorf("%s (mid %v): detected %+v", tc.name, mid, v)
			}
		}
	}
	// LDAPS is TLS from the first byte: not this detector's.
	in := flowInput(t, "ldaps-636", false)
	if Detect(&in, &detect.Verdict{}) {
		t.Errorf("LDAPS detected as ldap")
	}
}

func TestElem(t *testing.T) {
	for _, tc := range []struct {
		hex      string
		n        int
		complete bool
		ok       bool
	}{
		{"0403616263", 3, true, true},
		{"048103616263", 3, true, true},
		{"04820003616263", 3, true, true},
		{"0405616263", 3, false, true},
		{"0480", 0, false, false},
		{"0485010203040506", 0, false, false},
		{"1f0100", 0, false, false},
		{"04", 0, false, false},
		{"0482", 0, false, false},
	} {
		_, val, _, c, ok := elem(unhex(t, tc.hex))
		if ok != tc.ok || c != tc.complete || (ok && len(val) != tc.n) {
			t.Errorf("elem(%s) = %d bytes, %v, %v", tc.hex, len(val), c, ok)
		}
	}
}

// unhex decodes hex fixtures written with white space.
var unhex = detecttest.Unhex
