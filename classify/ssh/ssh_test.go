package ssh

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Heads recorded on loopback: OpenSSH_9.2p1 Debian-2+deb12u10 client and
// server (ssh -p 2222 against sshd -D on 127.0.0.1), identification line and
// the start of the binary KEXINIT packet that follows it.
const (
	opensshBanner = "5353482d322e302d4f70656e5353485f392e3270312044656269616e2d322b64656231327531300d0a"
	kexinitStart  = "00000614081418ea32215b2aaa8961d10a8e1b23e967"
)

func TestDetect(t *testing.T) {
	banner := unhex(t, opensshBanner)
	head := append(append([]byte{}, banner...), unhex(t, kexinitStart)...)
	tests := []struct {
		name     string
		c2s, s2c []byte
		udp      bool
		want     bool
	}{
		{name: "openssh both sides", c2s: head, s2c: head, want: true},
		{name: "client only", c2s: banner, want: true},
		{name: "server only", s2c: banner, want: true},
		{name: "server text lines first", s2c: []byte("Authorised use only\r\nNo trespassing\r\nSSH-2.0-IBM i OpenSSH_8.6\r\n"), want: true},
		{name: "ssh 1.99", s2c: []byte("SSH-1.99-Cisco-1.25\r\n"), want: true},
		{name: "ssh 1.5", c2s: []byte("SSH-1.5-OpenSSH_3.4\n"), want: true},
		{name: "prefix only", c2s: []byte("SSH-2.0-"), want: true},
		{name: "client text lines first", c2s: []byte("hello\r\nSSH-2.0-x\r\n")},
		{name: "cut prefix", c2s: []byte("SSH-2.")},
		{name: "bad version", c2s: []byte("SSH-3.0-x\r\n")},
		{name: "no dash", c2s: []byte("SSH-2.0 x\r\n")},
		{name: "binary before banner", s2c: append([]byte{0x00, 0x01, '\n'}, banner...)},
		{name: "udp", c2s: banner, udp: true},
		{name: "tls", c2s: unhex(t, "16030100f8010000f40303")},
		{name: "http", c2s: []byte("GET / HTTP/1.1\r\n\r\n"), s2c: []byte("HTTP/1.1 200 OK\r\n")},
		{name: "ftp", s2c: []byte("220-QTCP at IBMI.\r\n220 Connection will close if idle.\r\n")},
		{name: "telnet", s2c: unhex(t, "fffd18fffd20")},
		{name: "host server", c2s: unhex(t, "000000340000e00900000000000000000000700300")},
		{name: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &detect.Input{C2S: tt.c2s, S2C: tt.s2c, Transport: 6, ServerPort: 22}
			if tt.udp {
				in.Transport = 17
			}
			var v detect.Verdict
			got := Detect(in, &v)
			if got != tt.want {
				t.Fatalf("Detect = %v, want %v", got, tt.want)
			}
			if got != (v.Protocol == "ssh" && v.Encrypted) || len(v.Findings) > 0 || v.User != "" {
				t.Errorf("verdict %+v", v)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	for in, want := range map[string]string{
		"SSH-2.0-OpenSSH_9.2p1\r\n": "2.0",
		"SSH-1.99-x\r\n":            "1.99",
		"SSH-1.5-x\n":               "1.5",
	} {
		if got, ok := Version([]byte(in), false); !ok || got != want {
			t.Errorf("Version(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

// unhex decodes hex fixtures written with white space.
var unhex = detecttest.Unhex
