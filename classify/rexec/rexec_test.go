package rexec

import (
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

const fakePassword = "Fake-Pw-rexec-3X"

// Client heads in the BSD rexec layout (rexec(3) / rexecd(8)): stderr port,
// user, password and command, each NUL-terminated.
var (
	reqStderr = []byte("1023\x00qsecofr\x00" + fakePassword + "\x00DSPLIB QGPL\x00")
	reqNoErr  = []byte("\x00bob\x00" + fakePassword + "\x00ls -l /home\x00")
	// rexec(3) listens for stderr on an ephemeral port.
	reqEphemeral = []byte("40123\x00qsecofr\x00" + fakePassword + "\x00DSPLIB QGPL\x00")
	reqEmptyPw   = []byte("0\x00guest\x00\x00system \"wrkactjob\"\x00")
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name   string
		c2s    []byte
		s2c    []byte
		port   uint16
		full   bool
		mid    bool
		ok     bool
		user   string
		cmdLen int
		kind   string // of the first finding; cleartext_password when empty
	}{
		{name: "stderr port", c2s: reqStderr, s2c: []byte{0}, port: 512, ok: true, user: "qsecofr", cmdLen: 11},
		{name: "no stderr port", c2s: reqNoErr, port: 512, ok: true, user: "bob", cmdLen: 11},
		{name: "empty password", c2s: reqEmptyPw, port: 512, ok: true, user: "guest", cmdLen: 18, kind: detect.KindUserIDExposed},
		{name: "remapped port", c2s: reqEphemeral, port: 10512, ok: true, user: "qsecofr", cmdLen: 11},
		{name: "remapped port, no stderr port, server NUL", c2s: reqNoErr, s2c: []byte{0}, port: 10512, ok: true, user: "bob", cmdLen: 11},
		{name: "remapped port, no stderr port, no reply", c2s: reqNoErr, port: 10512},
		{name: "remapped port, no stderr port, other reply", c2s: reqNoErr, s2c: []byte("\x01Permission denied\n"), port: 10512},
		// rsh's stderr port comes from rresvport (512-1023): off 512 that is rsh.
		{name: "remapped port, reserved stderr port", c2s: reqStderr, s2c: []byte{0}, port: 10512},
		// Review reproductions: rlogin, rsh and NUL-separated junk elsewhere.
		{name: "rlogin on 2513", c2s: []byte("\x00alice\x00bob\x00xterm/38400\x00"), port: 2513},
		{name: "rlogin on 2513 answered", c2s: []byte("\x00alice\x00bob\x00xterm/38400\x00"), s2c: []byte{0}, port: 2513},
		{name: "rlogin on 512", c2s: []byte("\x00alice\x00bob\x00vt100/9600\x00"), port: 512},
		{name: "rsh on 2514", c2s: []byte("1023\x00alice\x00bob\x00ls -l\x00"), port: 2514},
		{name: "nul-separated junk on 9999", c2s: []byte("\x00k\x00\x00v\x00"), port: 9999},
		{name: "empty password on 9999 with stderr port", c2s: []byte("40001\x00k\x00\x00v\x00"), port: 9999, ok: true, user: "k", cmdLen: 1, kind: detect.KindUserIDExposed},
		{name: "command not yet ended", c2s: reqStderr[:len(reqStderr)-3], port: 512},
		{name: "command cut by a full head", c2s: reqStderr[:len(reqStderr)-3], port: 512, full: true, ok: true, user: "qsecofr", cmdLen: 9},
		{name: "incomplete elsewhere", c2s: reqStderr[:len(reqStderr)-3], port: 10512, full: true},
		{name: "password only", c2s: []byte("1023\x00qsecofr\x00" + fakePassword + "\x00"), port: 512},
		{name: "rsh on 514", c2s: []byte("1022\x00root\x00root\x00id\x00"), port: 514},
		{name: "midstream", c2s: reqStderr, port: 512, mid: true},
		{name: "port too long", c2s: []byte("123456\x00u\x00p\x00c\x00"), port: 512},
		{name: "port too big", c2s: []byte("70000\x00u\x00p\x00c\x00"), port: 512},
		{name: "blank in user", c2s: []byte("0\x00a b\x00p\x00c\x00"), port: 512},
		{name: "empty user", c2s: []byte("0\x00\x00p\x00c\x00"), port: 512},
		{name: "binary password", c2s: []byte("0\x00u\x00\x01\x02\x00c\x00"), port: 512},
		{name: "empty command", c2s: []byte("0\x00u\x00p\x00\x00"), port: 512},
		{name: "host server", c2s: []byte{0, 0, 0, 0x34, 0, 0, 0xE0, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x70, 0x03}, port: 512},
		{name: "tls", c2s: []byte{0x16, 0x03, 0x01, 0x00, 0xf8, 0x01, 0x00, 0x00, 0xf4, 0x03, 0x03}, port: 512},
		{name: "http", c2s: []byte("GET / HTTP/1.1\r\n\r\n"), port: 512},
		{name: "telnet", c2s: []byte{0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20}, port: 512},
		{name: "ftp", c2s: []byte("USER QSECOFR\r\n"), port: 512},
		{name: "digits only", c2s: []byte("12345"), port: 512},
		{name: "empty", port: 512},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &detect.Input{C2S: tt.c2s, S2C: tt.s2c, Transport: 6, ServerPort: tt.port, ClientPort: 1023, C2SFull: tt.full, MidStream: tt.mid}
			var v detect.Verdict
			ok := Detect(in, &v)
			if ok != tt.ok {
				t.Fatalf("Detect = %v, want %v", ok, tt.ok)
			}
			if !ok {
				if v.Protocol != "" || len(v.Findings) > 0 {
					t.Errorf("rejected but verdict filled: %+v", v)
				}
				return
			}
			if v.Protocol != "rexec" || v.User != tt.user {
				t.Errorf("verdict %+v, want rexec user %q", v, tt.user)
			}
			if len(v.Findings) != 2 {
				t.Fatalf("findings %+v", v.Findings)
			}
			pw, cmd := v.Findings[0], v.Findings[1]
			kind, sev := detect.KindCleartextPassword, detect.SevCritical
			if tt.kind == detect.KindUserIDExposed {
				kind, sev = tt.kind, detect.SevLow
			}
			if pw.Kind != kind || pw.Severity != sev || pw.User != tt.user {
				t.Errorf("first finding %+v, want %s/%s", pw, kind, sev)
			}
			if cmd.Kind != detect.KindSensitiveDataVisible || cmd.Record != "cl-command" || cmd.Length != tt.cmdLen {
				t.Errorf("command finding %+v, want length %d", cmd, tt.cmdLen)
			}
			for _, f := range v.Findings {
				s := f.Message + f.User + f.Protocol + f.Mechanism + f.Record
				if strings.Contains(s, fakePassword) || strings.Contains(s, "DSPLIB") || strings.Contains(s, "ls -l") {
					t.Errorf("finding leaks a secret: %+v", f)
				}
			}
		})
	}
}

func TestUDP(t *testing.T) {
	var v detect.Verdict
	if Detect(&detect.Input{C2S: reqStderr, Transport: 17, ServerPort: 512}, &v) {
		t.Fatal("rexec over UDP accepted")
	}
}

func TestGrowingHead(t *testing.T) {
	for n := 0; n <= len(reqStderr); n++ {
		var v detect.Verdict
		ok := Detect(&detect.Input{C2S: reqStderr[:n], Transport: 6, ServerPort: 512}, &v)
		if ok != (n == len(reqStderr)) {
			t.Errorf("prefix %d: Detect = %v", n, ok)
		}
	}
}
