package hostsrv

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

func TestDetectJT400(t *testing.T) {
	sha1 := func(proto string) want {
		return want{detect.KindPasswordHashExposed, detect.SevHigh, "IBMTST", proto, "SHA-1", "", 20, 1}
	}
	tests := []struct {
		name     string
		c2s, s2c string
		port     uint16
		ok       bool
		service  string
		findings []want
		msgHas   string
	}{
		{"sign-on SHA-1", jtSignonSHA1C2S, jtSignonSHA1S2C, 8476, true, "as-signon",
			[]want{sha1("host-server 0x7004 sign-on info")}, "password level 2"},
		{"sign-on DES", jtSignonDESC2S, jtSignonDESS2C, 8476, true, "as-signon",
			[]want{{detect.KindPasswordHashExposed, detect.SevHigh, "IBMTST", "host-server 0x7004 sign-on info", "DES", "", 8, 1}},
			"password level 0"},
		{"database with a SELECT", jtDatabaseC2S, jtDatabaseS2C, 8471, true, "as-database",
			[]want{sha1("host-server 0x7002 start server"),
				{detect.KindSensitiveDataVisible, detect.SevMedium, "", "host-server database", "", "sql", 140, 1}},
			"password level 2"},
		{"database without SQL", jtDatabaseNoSQLC2S, jtDatabaseNoSQLS2C, 8471, true, "as-database",
			[]want{sha1("host-server 0x7002 start server")}, ""},
		{"remote command CRTLIB", jtRmtCmdC2S, jtRmtCmdS2C, 18475, true, "as-rmtcmd",
			[]want{sha1("host-server 0x7002 start server"),
				{detect.KindSensitiveDataVisible, detect.SevMedium, "", "host-server 0x1002 run command", "", "cl-command", 96, 1}},
			""},
		{"TLS to 9471", jtTLSC2S, jtTLSS2C, 9471, false, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c2s, s2c := unhex(t, tt.c2s), unhex(t, tt.s2c)
			for _, mid := range []bool{false, true} {
				in := &detect.Input{C2S: c2s, S2C: s2c, ClientPort: 50000, ServerPort: tt.port, Transport: 6, MidStream: mid}
				var v detect.Verdict
				if ok := Detect(in, &v); ok != tt.ok {
					t.Fatalf("mid-stream %v: Detect = %v, want %v", mid, ok, tt.ok)
				}
				if !tt.ok {
					continue
				}
				if v.Service != tt.service || v.User != "IBMTST" {
					t.Errorf("mid-stream %v: service %q user %q", mid, v.Service, v.User)
				}
				if mid {
					continue // the seeds are at the very start, so a mid-stream view differs
				}
				if len(v.Findings) != len(tt.findings) {
					t.Fatalf("findings:\n%swant %d", dump(v.Findings), len(tt.findings))
				}
				msgs := ""
				for i, f := range v.Findings {
					got := want{f.Kind, f.Severity, f.User, f.Protocol, f.Mechanism, f.Record, f.Length, f.Count}
					if got != tt.findings[i] {
						t.Errorf("finding %d = %+v\nwant        %+v", i, got, tt.findings[i])
					}
					msgs += f.Message
				}
				if !strings.Contains(msgs, tt.msgHas) {
					t.Errorf("messages %q lack %q", msgs, tt.msgHas)
				}
				// The SQL and CL text of the capture never shows.
				text := fmt.Sprintf("%+v", v)
				for _, s := range []string{"SELECT", "QCUSTCDT", "CRTLIB", "FAKELIB", "ibmitap test library"} {
					if strings.Contains(text, s) {
						t.Errorf("verdict shows %q", s)
					}
				}
			}
		})
	}
}

// TestDetectJT400Growing replays the database connection's heads as they
// grow segment by segment: never a panic, recognised from the first 28 bytes.
func TestDetectJT400Growing(t *testing.T) {
	c2s, s2c := unhex(t, jtDatabaseC2S), unhex(t, jtDatabaseS2C)
	for n := 28; n <= len(c2s); n += 7 {
		in := &detect.Input{C2S: c2s[:n], S2C: s2c[:min(n, len(s2c))], Transport: 6}
		if !Detect(in, &detect.Verdict{}) {
			t.Fatalf("not recognised at %d bytes", n)
		}
	}
}

// TestDetectJT400CutAuth cuts JTOpen's real 0x7004 sign-on info and 0x7002
// start server at the end of a head that will not grow (full or ended at a
// hole): the substitute counts once its length field is in, the user ID once
// it is complete; a head that may still grow reports nothing of the cut one.
func TestDetectJT400CutAuth(t *testing.T) {
	sha1 := func(user, proto string) []want {
		return []want{{detect.KindPasswordHashExposed, detect.SevHigh, user, proto, "SHA-1", "", 20, 1}}
	}
	const p7004, p7002 = "host-server 0x7004 sign-on info", "host-server 0x7002 start server"
	// 0x7004 at 52: template byte, then 1113 (73-83), 1105 (83-109),
	// 1104 (109-125), 1128 (125-132).
	// 0x7002 at 28: two template bytes, then 1105 (50-76), 1104 (76-92).
	tests := []struct {
		name     string
		c2s, s2c string
		cut      int
		findings []want
	}{
		{"7004 in the header", jtSignonSHA1C2S, jtSignonSHA1S2C, 60, nil},
		{"7004 in 1113", jtSignonSHA1C2S, jtSignonSHA1S2C, 80, nil},
		{"7004 in 1105's LL/CP", jtSignonSHA1C2S, jtSignonSHA1S2C, 88, nil},
		{"7004 1105 LL/CP only", jtSignonSHA1C2S, jtSignonSHA1S2C, 89, sha1("", p7004)},
		{"7004 in 1105", jtSignonSHA1C2S, jtSignonSHA1S2C, 100, sha1("", p7004)},
		{"7004 in 1104", jtSignonSHA1C2S, jtSignonSHA1S2C, 120, sha1("", p7004)},
		{"7004 1104 complete", jtSignonSHA1C2S, jtSignonSHA1S2C, 125, sha1("IBMTST", p7004)},
		{"7004 in 1128", jtSignonSHA1C2S, jtSignonSHA1S2C, 130, sha1("IBMTST", p7004)},
		{"7002 in 1105", jtDatabaseC2S, jtDatabaseS2C, 60, sha1("", p7002)},
		{"7002 in 1104", jtDatabaseC2S, jtDatabaseS2C, 91, sha1("", p7002)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c2s, s2c := detecttest.Unhex(t, tt.c2s)[:tt.cut], detecttest.Unhex(t, tt.s2c)
			for _, final := range []string{"growing", "full", "hole"} {
				in := &detect.Input{C2S: c2s, S2C: s2c, Transport: 6,
					C2SFull: final == "full", C2SHole: final == "hole"}
				var v detect.Verdict
				if !Detect(in, &v) {
					t.Fatalf("%s: not recognised", final)
				}
				wantF := tt.findings
				if final == "growing" {
					wantF = nil
				}
				var got []want
				for _, f := range v.Findings {
					got = append(got, want{f.Kind, f.Severity, f.User, f.Protocol, f.Mechanism, f.Record, f.Length, f.Count})
				}
				if fmt.Sprint(got) != fmt.Sprint(wantF) {
					t.Errorf("%s: findings\n%swant %+v", final, dump(v.Findings), wantF)
				}
				if len(wantF) > 0 && v.User != wantF[0].user {
					t.Errorf("%s: user %q, want %q", final, v.User, wantF[0].user)
				}
			}
		})
	}
}
