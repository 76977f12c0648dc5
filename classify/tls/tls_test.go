package tls

import (
	"encoding/hex"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// readHex loads a testdata hex dump (whitespace ignored).
func readHex(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/hello/" + name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return unhex(t, string(b))
}

// Recorded with openssl 3.0 s_client/s_server and curl 7.88 on 127.0.0.1
// (tcpdump, then tshark -z follow,tcp,raw).
var recorded = []struct {
	name string
	ch   ClientHello // Suites and Complete compared too
	sh   ServerHello
	info detect.TLSInfo
}{
	{"tls13-sni",
		ClientHello{Version: 0x0303, Highest: 0x0304, SNI: "as400.example.com", Suites: 4, Complete: true},
		ServerHello{Version: 0x0303, Negotiated: 0x0304, CipherSuite: 0x1302, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0304, Negotiated: 0x0304, SNI: "as400.example.com"}},
	{"tls12-nosni",
		ClientHello{Version: 0x0303, Highest: 0x0303, Suites: 28, Complete: true},
		ServerHello{Version: 0x0303, Negotiated: 0x0303, CipherSuite: 0xc030, Downgrade: true, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0303, Negotiated: 0x0303}},
	{"tls11",
		ClientHello{Version: 0x0302, Highest: 0x0302, SNI: "host11.example", Suites: 9, Complete: true},
		ServerHello{Version: 0x0302, Negotiated: 0x0302, CipherSuite: 0xc014, Downgrade: true, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0302, Negotiated: 0x0302, SNI: "host11.example"}},
	{"tls10",
		ClientHello{Version: 0x0301, Highest: 0x0301, Suites: 9, Complete: true},
		ServerHello{Version: 0x0301, Negotiated: 0x0301, CipherSuite: 0xc014, Downgrade: true, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0301, Negotiated: 0x0301}},
	{"curl-alpn", // curl to an IP address: ALPN, no SNI
		ClientHello{Version: 0x0303, Highest: 0x0304, ALPN: []string{"h2", "http/1.1"}, Suites: 31, Complete: true},
		ServerHello{Version: 0x0303, Negotiated: 0x0304, CipherSuite: 0x1302, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0304, Negotiated: 0x0304, ALPN: []string{"h2", "http/1.1"}}},
	{"curl-tls12-alpn", // server picks http/1.1: it moves to the front
		ClientHello{Version: 0x0303, Highest: 0x0303, SNI: "sys2.example.com", ALPN: []string{"h2", "http/1.1"}, Suites: 28, Complete: true},
		ServerHello{Version: 0x0303, Negotiated: 0x0303, CipherSuite: 0xc030, ALPN: "http/1.1", Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0303, Negotiated: 0x0303, SNI: "sys2.example.com", ALPN: []string{"http/1.1", "h2"}}},
	{"alert", // TLS 1.3-only client, TLS 1.2-only server: protocol_version alert
		ClientHello{Version: 0x0303, Highest: 0x0304, Suites: 4, Complete: true},
		ServerHello{Version: 0x0303, Alert: true, AlertLevel: 2, AlertDesc: 70, Complete: true},
		detect.TLSInfo{Seen: true, Offered: 0x0304, Alert: true}},
	{"hrr", // server wants X448, client sent an X25519 key share
		ClientHello{Version: 0x0303, Highest: 0x0304, Suites: 4, Complete: true},
		ServerHello{Version: 0x0303, Negotiated: 0x0304, CipherSuite: 0x1302, HelloRetry: true, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0304, Negotiated: 0x0304}},
	// From the project captures in the module's testdata/ (cap-<pcap name>).
	{"cap-tls13-sni-9476",
		ClientHello{Version: 0x0303, Highest: 0x0304, SNI: "ibmi.example.com", Suites: 4, Complete: true},
		ServerHello{Version: 0x0303, Negotiated: 0x0304, CipherSuite: 0x1302, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0304, Negotiated: 0x0304, SNI: "ibmi.example.com"}},
	{"cap-tls13-nosni-9471",
		ClientHello{Version: 0x0303, Highest: 0x0304, Suites: 4, Complete: true},
		ServerHello{Version: 0x0303, Negotiated: 0x0304, CipherSuite: 0x1302, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0304, Negotiated: 0x0304}},
	{"cap-tls12-sni-9475",
		ClientHello{Version: 0x0303, Highest: 0x0303, SNI: "ibmi.example.com", Suites: 28, Complete: true},
		ServerHello{Version: 0x0303, Negotiated: 0x0303, CipherSuite: 0xc030, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0303, Negotiated: 0x0303, SNI: "ibmi.example.com"}},
	{"cap-tls11-sni-992",
		ClientHello{Version: 0x0302, Highest: 0x0302, SNI: "ibmi.example.com", Suites: 9, Complete: true},
		ServerHello{Version: 0x0302, Negotiated: 0x0302, CipherSuite: 0xc014, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0302, Negotiated: 0x0302, SNI: "ibmi.example.com"}},
	{"cap-tls10-nosni-2010",
		ClientHello{Version: 0x0301, Highest: 0x0301, Suites: 9, Complete: true},
		ServerHello{Version: 0x0301, Negotiated: 0x0301, CipherSuite: 0xc014, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0301, Negotiated: 0x0301}},
	{"cap-ftps-implicit-990", // curl; vsftpd answers with a HelloRetryRequest
		ClientHello{Version: 0x0303, Highest: 0x0304, Suites: 31, Complete: true},
		ServerHello{Version: 0x0303, Negotiated: 0x0304, CipherSuite: 0x1302, HelloRetry: true, Complete: true},
		detect.TLSInfo{Seen: true, Established: true, Offered: 0x0304, Negotiated: 0x0304}},
}

func TestRecorded(t *testing.T) {
	for _, tc := range recorded {
		t.Run(tc.name, func(t *testing.T) {
			c2s, s2c := readHex(t, tc.name+".c2s.hex"), readHex(t, tc.name+".s2c.hex")
			ch, ok := ParseClientHello(c2s)
			if !ok || !sameClient(ch, tc.ch) {
				t.Errorf("ParseClientHello = %+v, %v; want %+v", ch, ok, tc.ch)
			}
			sh, ok := ParseServerHello(s2c)
			if !ok || sh != tc.sh {
				t.Errorf("ParseServerHello = %+v, %v; want %+v", sh, ok, tc.sh)
			}
			in := detect.Input{C2S: c2s, S2C: s2c, Transport: 6}
			var v detect.Verdict
			if !Detect(&in, &v) || v.Protocol != "tls" || !v.Encrypted || !sameInfo(v.TLS, tc.info) {
				t.Errorf("Detect = %+v; want TLS %+v", v, tc.info)
			}
			// Server answer not captured yet: client side only.
			in.S2C = nil
			v = detect.Verdict{}
			if !Detect(&in, &v) || v.TLS.Established || v.TLS.Negotiated != 0 || v.TLS.Offered != tc.info.Offered {
				t.Errorf("Detect without server = %+v", v.TLS)
			}
			// The server bytes are not a ClientHello.
			if _, ok := ParseClientHello(s2c); ok {
				t.Errorf("server stream parsed as ClientHello")
			}
			if _, ok := ParseServerHello(c2s); ok {
				t.Errorf("client stream parsed as ServerHello")
			}
		})
	}
}

func sameClient(a, b ClientHello) bool {
	return a.Version == b.Version && a.Highest == b.Highest && a.SNI == b.SNI &&
		slices.Equal(a.ALPN, b.ALPN) && a.Suites == b.Suites && a.SSLv2 == b.SSLv2 && a.Complete == b.Complete
}

func sameInfo(a, b detect.TLSInfo) bool {
	return a.Seen == b.Seen && a.Established == b.Established && a.Offered == b.Offered &&
		a.Negotiated == b.Negotiated && a.SNI == b.SNI && slices.Equal(a.ALPN, b.ALPN) && a.Alert == b.Alert
}

// fragment re-frames the first handshake record of a stream into records of
// at most size bytes, as a client with a large post-quantum key share does.
func fragment(t *testing.T, b []byte, size int) []byte {
	t.Helper()
	n := int(b[3])<<8 | int(b[4])
	body, rest := b[5:5+n], b[5+n:]
	var out []byte
	for len(body) > 0 {
		k := min(size, len(body))
		out = append(out, b[0], b[1], b[2], byte(k>>8), byte(k))
		out = append(out, body[:k]...)
		body = body[k:]
	}
	return append(out, rest...)
}

func TestSpanningRecords(t *testing.T) {
	c2s := readHex(t, "curl-alpn.c2s.hex")
	want, _ := ParseClientHello(c2s)
	hello := c2s[:5+(int(c2s[3])<<8|int(c2s[4]))] // 512 bytes: one record as sent
	for _, size := range []int{1, 3, 4, 100, 300} {
		f := fragment(t, hello, size)
		got, ok := ParseClientHello(f)
		if !ok || !sameClient(got, want) {
			t.Errorf("size %d: %+v, %v; want %+v", size, got, ok, want)
		}
		// Cut in the middle: recognised, not complete.
		got, ok = ParseClientHello(f[:len(f)/2])
		if !ok || got.Complete || got.Version != 0x0303 {
			t.Errorf("size %d cut: %+v, %v", size, got, ok)
		}
	}
	s2c := readHex(t, "tls13-sni.s2c.hex")
	wantS, _ := ParseServerHello(s2c)
	if got, ok := ParseServerHello(fragment(t, s2c, 50)); !ok || got != wantS {
		t.Errorf("fragmented ServerHello: %+v, %v; want %+v", got, ok, wantS)
	}
}

// Every prefix of a real hello is handled: not recognised until the
// version is readable, never Complete before the end.
func TestTruncated(t *testing.T) {
	for _, tc := range recorded {
		c2s := readHex(t, tc.name+".c2s.hex")
		n := 5 + (int(c2s[3])<<8 | int(c2s[4]))
		for i := range n {
			ch, ok := ParseClientHello(c2s[:i])
			if ok && (ch.Complete || ch.Version != tc.ch.Version) {
				t.Fatalf("%s[:%d]: %+v", tc.name, i, ch)
			}
			if ok != (i >= 11) {
				t.Fatalf("%s[:%d]: ok = %v", tc.name, i, ok)
			}
		}
		s2c := readHex(t, tc.name+".s2c.hex")
		for i := range min(len(s2c), 200) {
			ParseServerHello(s2c[:i])
		}
	}
}

// SSLv2-format hellos, built from RFC 6101 Appendix E.1 / the SSL 2.0 draft:
// the recording tools here can no longer send them.
func TestSSLv2(t *testing.T) {
	v2 := unhex(t, `80 2e 01 0301 0015 0000 0010
		000039 000038 000035 000016 000013 00000a 000005
		8f1c2d3e4f5a6b7c8d9eafb0c1d2e3f4`)
	ch, ok := ParseClientHello(v2)
	if !ok || !ch.SSLv2 || ch.Highest != 0x0301 || ch.Suites != 7 || !ch.Complete {
		t.Errorf("v3-capable v2 hello: %+v, %v", ch, ok)
	}
	v2only := unhex(t, `80 25 01 0002 000c 0000 0010
		010080 030080 060040 070040
		00112233445566778899aabbccddeeff`)
	ch, ok = ParseClientHello(v2only)
	if !ok || ch.Highest != 0x0002 {
		t.Errorf("SSL 2.0 hello: %+v, %v", ch, ok)
	}
	// SERVER-HELLO: hit 0, cert type 1 (X.509), version 0002, cert len,
	// specs len, conn-id len, then the data (cut here).
	sh, ok := ParseServerHello(unhex(t, `81 2e 04 00 01 0002 0100 0003 0010 010080`))
	if !ok || !sh.SSLv2 || sh.Negotiated != 0x0002 {
		t.Errorf("SERVER-HELLO: %+v, %v", sh, ok)
	}
	in := detect.Input{C2S: v2only, S2C: unhex(t, `81 2e 04 00 01 0002 0100 0003 0010 010080`)}
	var v detect.Verdict
	if !Detect(&in, &v) || v.TLS.Offered != 0x0002 || v.TLS.Negotiated != 0x0002 || !v.TLS.Established {
		t.Errorf("Detect SSLv2: %+v", v.TLS)
	}
	// A v2 header with inconsistent lengths is not a hello.
	bad := slices.Clone(v2)
	bad[1]++
	if _, ok := ParseClientHello(bad); ok {
		t.Errorf("inconsistent v2 length accepted")
	}
}

func TestGREASE(t *testing.T) {
	// supported_versions: GREASE 0x7a7a, TLS 1.3, TLS 1.2, and an unknown
	// 0x0305 that must not count.
	data := unhex(t, "08 7a7a 0304 0303 0305")
	if v := highestVersion(data); v != 0x0304 {
		t.Errorf("highestVersion = %#x", v)
	}
	if v := highestVersion(unhex(t, "04 1a1a 0303")); v != 0x0303 {
		t.Errorf("highestVersion with GREASE = %#x", v)
	}
	for _, g := range []int{0x0a0a, 0x1a1a, 0xfafa} {
		if !grease(g) {
			t.Errorf("grease(%#x) = false", g)
		}
	}
	if grease(0x0a1a) || grease(0x0303) {
		t.Errorf("grease false positive")
	}
}

var foreign = []struct{ name, hex string }{
	{"http", hex.EncodeToString([]byte("GET / HTTP/1.1\r\nHost: as400\r\n\r\n"))},
	{"ssh", hex.EncodeToString([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"))},
	{"ftp", hex.EncodeToString([]byte("220-QTCP at as400.example.com.\r\n"))},
	// host-server 0x7003 exchange attributes (protocol doc Appendix A.2)
	{"hostserver", "000000340000E009000000000000000000007003 0000000A110100000001 000000081102000A 0000000E1103000001A1FB3B206A"},
	{"ldap", "301d02010177188016312e332e362e312e342e312e313436362e3230303337"},
	{"telnet", "fffd27fffd18"},
	{"random", "16 03 05 00 40 01 00 00 3c"},      // TLS minor version 5
	{"zero-length", "16 03 01 00 00 01 00 00 00"}, // empty record
	{"not-hello", "16 03 01 00 04 0b 00 00 00"},   // Certificate first
	{"appdata", "17 03 03 00 10 00112233445566778899aabbccddeeff"},
	{"bad-version", "16 03 01 00 30 01 00 00 2c 0200" + strings.Repeat("00", 32)},
	{"sid-too-long", "16 03 01 00 40 01 00 00 3c 0303" + strings.Repeat("00", 32) + "21"},
}

func TestForeign(t *testing.T) {
	for _, tc := range foreign {
		b := unhex(t, tc.hex)
		if ch, ok := ParseClientHello(b); ok {
			t.Errorf("%s: ClientHello %+v", tc.name, ch)
		}
		if sh, ok := ParseServerHello(b); ok {
			t.Errorf("%s: ServerHello %+v", tc.name, sh)
		}
		in := detect.Input{C2S: b, S2C: b}
		var v detect.Verdict
		if Detect(&in, &v) {
			t.Errorf("%s: detected %+v", tc.name, v)
		}
	}
}

func TestMidStream(t *testing.T) {
	s2c := readHex(t, "tls13-sni.s2c.hex")
	// Skip the ServerHello record: CCS and application data follow.
	n := 5 + (int(s2c[3])<<8 | int(s2c[4]))
	in := detect.Input{C2S: unhex(t, "17 03 03 00 05 0102030405"), S2C: s2c[n:], MidStream: true}
	var v detect.Verdict
	if !Detect(&in, &v) || !v.Encrypted || v.TLS.Seen {
		t.Errorf("mid-stream: %v %+v", Detect(&in, &v), v)
	}
	in.MidStream = false
	if Detect(&in, &detect.Verdict{}) {
		t.Errorf("records without a hello at a connection start detected")
	}
	in = detect.Input{C2S: []byte("USER anonymous\r\n"), MidStream: true}
	if Detect(&in, &detect.Verdict{}) {
		t.Errorf("plaintext mid-stream detected")
	}
}

func TestAllocs(t *testing.T) {
	c2s := readHex(t, "tls13-sni.c2s.hex") // SNI, no ALPN: one allocation
	s2c := readHex(t, "tls13-sni.s2c.hex")
	frag := fragment(t, c2s, 64)
	var info detect.TLSInfo
	if n := testing.AllocsPerRun(100, func() { Inspect(c2s, s2c, &info) }); n > 1 {
		t.Errorf("Inspect: %v allocations", n)
	}
	if n := testing.AllocsPerRun(100, func() { Inspect(frag, s2c, &info) }); n > 1 {
		t.Errorf("Inspect spanning records: %v allocations", n)
	}
	http := []byte("GET / HTTP/1.1\r\n")
	if n := testing.AllocsPerRun(100, func() { Detect(&detect.Input{C2S: http}, &detect.Verdict{}) }); n > 0 {
		t.Errorf("Detect on foreign bytes: %v allocations", n)
	}
}

func BenchmarkClientHello(b *testing.B) {
	c2s := readHex(b, "curl-alpn.c2s.hex")
	for b.Loop() {
		ParseClientHello(c2s)
	}
}

// unhex decodes hex fixtures written with white space.
var unhex = detecttest.Unhex
