package hostsrv

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
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
