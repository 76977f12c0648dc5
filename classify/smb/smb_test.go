package smb

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// fakePasswords were used to record the captures; they are not on the wire
// (NTLM sends responses), but no verdict may hold them either way.
var fakePasswords = []string{"Fake-Pw-smb-8W", "Fake-Pw-wrong-1Z"}

const account = `IBMITEST\ibmismb`

type smbWant struct {
	kinds     []string // finding kinds in order
	dialect   string   // Protocol of the unencrypted_smb finding
	mech      string   // Mechanism of the credential finding
	encrypted bool
}

// captureTests name the loopback recordings (samba 4.17 smbd and smbclient,
// testdata/record/smb/record.sh) and what each must yield.
var captureTests = []struct {
	file string
	want smbWant
}{
	{"smb-smb3-plain.pcap", smbWant{[]string{detect.KindUnencryptedSMB, detect.KindPasswordHashExposed}, "SMB 3.1.1", "NTLMv2", false}},
	{"smb-smb3-encrypted.pcap", smbWant{[]string{detect.KindPasswordHashExposed}, "", "NTLMv2", true}},
	{"smb-smb1.pcap", smbWant{[]string{detect.KindUnencryptedSMB, detect.KindPasswordHashExposed}, "SMB1 NT LANMAN 1.0", "NTLMv2", false}},
	{"smb-ntlmv1.pcap", smbWant{[]string{detect.KindUnencryptedSMB, detect.KindPasswordHashExposed}, "SMB1 NT LANMAN 1.0", "NTLMv1", false}},
	{"smb-ntlmssp-v1.pcap", smbWant{[]string{detect.KindUnencryptedSMB, detect.KindPasswordHashExposed}, "SMB 3.1.1", "NTLMv1", false}},
	{"smb-nbt139.pcap", smbWant{[]string{detect.KindUnencryptedSMB, detect.KindPasswordHashExposed}, "SMB 3.1.1", "NTLMv2", false}},
	{"smb-logonfail.pcap", smbWant{[]string{detect.KindPasswordHashExposed, detect.KindAuthFailure}, "", "NTLMv2", false}},
}

func input(h heads) *detect.Input {
	return &detect.Input{C2S: h.c2s, S2C: h.s2c, Transport: h.transport, ClientPort: h.clientPort, ServerPort: h.serverPort,
		C2SFull: len(h.c2s) >= headLimit, S2CFull: len(h.s2c) >= headLimit}
}

func TestCaptures(t *testing.T) {
	for _, tt := range captureTests {
		t.Run(tt.file, func(t *testing.T) {
			flows := flowHeads(t, "../../testdata/"+tt.file)
			if len(flows) != 1 {
				t.Fatalf("%d flows, want 1", len(flows))
			}
			var v detect.Verdict
			if !Detect(input(flows[0]), &v) {
				t.Fatal("not recognised")
			}
			checkVerdict(t, &v, tt.want)
		})
	}
}

func checkVerdict(t *testing.T, v *detect.Verdict, want smbWant) {
	t.Helper()
	checkNoSecret(t, v)
	if v.Protocol != "smb" || v.User != account || v.Encrypted != want.encrypted {
		t.Errorf("verdict protocol %q user %q encrypted %v, want smb %q %v", v.Protocol, v.User, v.Encrypted, account, want.encrypted)
	}
	var kinds []string
	for _, f := range v.Findings {
		kinds = append(kinds, f.Kind)
		switch f.Kind {
		case detect.KindUnencryptedSMB:
			if f.Protocol != want.dialect || f.Severity != detect.SevMedium || !strings.Contains(f.Message, want.dialect) {
				t.Errorf("unencrypted finding %+v, want dialect %q", f, want.dialect)
			}
		case detect.KindPasswordHashExposed:
			if f.Mechanism != want.mech || f.User != account || f.Severity != detect.SevHigh {
				t.Errorf("hash finding %+v, want %s for %s", f, want.mech, account)
			}
		}
	}
	if strings.Join(kinds, ",") != strings.Join(want.kinds, ",") {
		t.Errorf("findings %v, want %v", kinds, want.kinds)
	}
}

func checkNoSecret(t *testing.T, v *detect.Verdict) {
	t.Helper()
	for _, f := range v.Findings {
		s := strings.Join([]string{v.User, f.Message, f.User, f.Protocol, f.Mechanism, f.Record}, "\x00")
		for _, pw := range fakePasswords {
			if strings.Contains(s, pw) {
				t.Errorf("finding leaks a password: %+v", f)
			}
		}
	}
}

// TestGrowingHeads replays every capture as the engine would: heads growing
// in steps, a fresh verdict each time. Nothing may panic, and a verdict once
// given must not be withdrawn.
func TestGrowingHeads(t *testing.T) {
	for _, tt := range captureTests {
		h := flowHeads(t, "../../testdata/"+tt.file)[0]
		seen := false
		for n := 0; n <= max(len(h.c2s), len(h.s2c))+7; n += 7 {
			in := input(h)
			in.C2S, in.S2C = h.c2s[:min(n, len(h.c2s))], h.s2c[:min(n, len(h.s2c))]
			var v detect.Verdict
			ok := Detect(in, &v)
			if seen && !ok {
				t.Errorf("%s: verdict withdrawn at %d bytes", tt.file, n)
			}
			seen = seen || ok
			checkNoSecret(t, &v)
		}
		if !seen {
			t.Errorf("%s: never recognised", tt.file)
		}
	}
}

// TestMidStream drops the start of both heads: the detector must find the
// next frame and still see the file traffic in clear.
func TestMidStream(t *testing.T) {
	h := flowHeads(t, "../../testdata/smb-smb3-plain.pcap")[0]
	in := input(h)
	in.C2S, in.S2C = h.c2s[1000:], h.s2c[900:]
	var v detect.Verdict
	if Detect(in, &v) {
		t.Fatal("recognised mid-stream bytes without MidStream")
	}
	in.MidStream = true
	if !Detect(in, &v) || len(v.Findings) == 0 || v.Findings[0].Kind != detect.KindUnencryptedSMB {
		t.Fatalf("mid-stream verdict %+v", v)
	}
}

func TestRejects(t *testing.T) {
	smb3 := flowHeads(t, "../../testdata/smb-smb3-plain.pcap")[0]
	tests := []struct {
		name     string
		c2s, s2c []byte
		udp      bool
	}{
		{name: "tls client hello", c2s: unhex(t, "16030100f8010000f40303")},
		{name: "host server 0x7003", c2s: unhex(t, "00000034 0000e009 00000000 00000000 00007003 0000000a 1101 00000001")},
		{name: "ftp", c2s: []byte("USER QSECOFR\r\n"), s2c: []byte("220-QTCP at IBMI.\r\n")},
		{name: "telnet", s2c: unhex(t, "fffd18fffd20fffd23fffd27")},
		{name: "http", c2s: []byte("GET / HTTP/1.1\r\n\r\n")},
		{name: "drda excsat", c2s: unhex(t, "0077d041000100711041")},
		{name: "cut before the protocol id", c2s: smb3.c2s[:7]},
		{name: "length too short for SMB2", c2s: unhex(t, "00000010 fe534d42 40000000 00000000")},
		{name: "unknown protocol id", c2s: unhex(t, "00000040 fb534d42 40000000 00000000")},
		{name: "session request bad name", c2s: unhex(t, "81000044 20 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a 00")},
		{name: "keep-alive alone", c2s: unhex(t, "85000000")},
		{name: "udp", c2s: smb3.c2s, udp: true},
		{name: "random", c2s: unhex(t, "8f3a1c00d2e4b7a95f0c11"), s2c: unhex(t, "00")},
		{name: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &detect.Input{C2S: tt.c2s, S2C: tt.s2c, Transport: 6, ServerPort: 445}
			if tt.udp {
				in.Transport = 17
			}
			var v detect.Verdict
			if Detect(in, &v) || v.Protocol != "" || len(v.Findings) > 0 {
				t.Errorf("accepted: %+v", v)
			}
		})
	}
}

// TestNTLMCut parses the captured AUTHENTICATE message cut at every length:
// the user is either right or absent, never garbage.
func TestNTLMCut(t *testing.T) {
	h := flowHeads(t, "../../testdata/smb-smb3-plain.pcap")[0]
	i := bytes.Index(h.c2s, []byte("NTLMSSP\x00\x03\x00\x00\x00"))
	if i < 0 {
		t.Fatal("no AUTHENTICATE in capture")
	}
	msg := h.c2s[i:]
	typ, a, ok := ParseNTLM(msg)
	if !ok || typ != ntlmAuthenticate || a.Account() != account || a.Mechanism() != "NTLMv2" {
		t.Fatalf("full message: %v %d %+v", ok, typ, a)
	}
	for n := 0; n < len(msg); n++ {
		_, a, _ := ParseNTLM(msg[:n])
		if a.User != "" && a.User != "ibmismb" || a.Domain != "" && a.Domain != "IBMITEST" {
			t.Fatalf("cut at %d: %+v", n, a)
		}
	}
}

func TestMechanism(t *testing.T) {
	tests := []struct {
		a    Auth
		want string
	}{
		{Auth{LMLen: 24, NTLen: 24}, "NTLMv1"},
		{Auth{LMLen: 24}, "NTLMv1"},
		{Auth{LMLen: 24, NTLen: 234}, "NTLMv2"},
		{Auth{LMLen: 1}, ""},
		{Auth{}, ""},
	}
	for _, tt := range tests {
		if got := tt.a.Mechanism(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.a, got, tt.want)
		}
	}
}

func TestNetBIOS(t *testing.T) {
	nbns := flowHeads(t, "../../testdata/smb-nbns.pcap")
	if len(nbns) != 1 {
		t.Fatalf("%d flows", len(nbns))
	}
	// A browser host announcement datagram to IBMITEST<1D> from IBMITAPSRV<00>
	// (RFC 1002 §4.4.2 layout; names first-level encoded).
	dgm := unhex(t, "11 0a 8001 7f000001 008a 00bc 0000"+
		"20 454a4543454e454a464545424641464446434647434143414341434143414141 00"+
		"20 454a4543454e454a46454546464446454341434143414341434143414341424e 00"+
		"ff534d42 25")
	tests := []struct {
		name string
		c2s  []byte
		udp  bool
		want bool
	}{
		{"nmblookup name query", nbns[0].c2s, true, true},
		{"browse datagram", dgm, true, true},
		{"dns query", unhex(t, "1a2b01000001000000000000 03777777 076578616d706c65 03636f6d 00 0001 0001"), true, false},
		{"tcp", nbns[0].c2s, false, false},
		{"cut", nbns[0].c2s[:40], true, false},
		{"empty", nil, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &detect.Input{C2S: tt.c2s, Transport: 6, ServerPort: 137}
			if tt.udp {
				in.Transport = 17
			}
			var v detect.Verdict
			got := DetectNetBIOS(in, &v)
			if got != tt.want || got && v.Protocol != "netbios" {
				t.Errorf("DetectNetBIOS = %v (%+v), want %v", got, v, tt.want)
			}
		})
	}
	name, _, ok := netbiosName(nbns[0].c2s[12:])
	if !ok || name != "IBMITAPSRV<00>" {
		t.Errorf("name %q %v", name, ok)
	}
}

// smb1NegotiateRequest builds an SMB1 NEGOTIATE request in a session message, the
// way Windows opens a connection offering both SMB1 and SMB2 ([MS-SMB2]
// §3.2.4.2.2.1, [MS-CIFS] §2.2.4.52.1).
func smb1NegotiateRequest(dialects ...string) []byte {
	hdr := []byte{0xFF, 'S', 'M', 'B', smb1Negotiate, 0, 0, 0, 0, 0x18, 0x53, 0xC8}
	hdr = append(hdr, make([]byte, 20)...) // PIDHigh .. MID
	var names []byte
	for _, d := range dialects {
		names = append(append(append(names, 0x02), d...), 0)
	}
	m := append(hdr, 0, byte(len(names)), byte(len(names)>>8))
	m = append(m, names...)
	return append([]byte{0, 0, byte(len(m) >> 8), byte(len(m))}, m...)
}

func TestMultiProtocolNegotiate(t *testing.T) {
	// The server's real SMB2 NEGOTIATE response, its dialect turned into the
	// 0x02FF wildcard a server answers a multi-protocol request with.
	h := flowHeads(t, "../../testdata/smb-smb3-plain.pcap")[0]
	n := int(h.s2c[2])<<8 | int(h.s2c[3])
	resp := append([]byte{}, h.s2c[:4+n]...)
	resp[4+64+4], resp[4+64+5] = 0xFF, 0x02

	var v detect.Verdict
	in := &detect.Input{C2S: smb1NegotiateRequest("NT LM 0.12", "SMB 2.002", "SMB 2.???"), S2C: resp, Transport: 6, ServerPort: 445}
	if !Detect(in, &v) || len(v.Findings) != 0 {
		t.Errorf("SMB2 answer to a multi-protocol negotiate: %+v", v)
	}
	v = detect.Verdict{}
	in = &detect.Input{C2S: smb1NegotiateRequest("PC NETWORK PROGRAM 1.0", "NT LM 0.12"), Transport: 6, ServerPort: 445}
	if !Detect(in, &v) || len(v.Findings) != 1 || v.Findings[0].Kind != detect.KindUnencryptedSMB || v.Findings[0].Protocol != "SMB1" {
		t.Errorf("SMB1-only negotiate: %+v", v)
	}
}

// unhex decodes hex fixtures written with white space.
var unhex = detecttest.Unhex
