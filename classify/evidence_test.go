package classify

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/capture/synth"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// TLS on a port the general list names (6346, "gnutella") is TLS, with its
// SNI, not the port's name; a known TLS service keeps its name (990 ftps).
func TestTLSOnGeneralListPortIsTLS(t *testing.T) {
	gen := newConv("10.0.0.2:40001", "10.0.0.1:6346").open().
		pkt(true, capture.FlagACK, string(synth.ClientHello("files.example.com", 1))).
		pkt(false, capture.FlagACK, string(synth.ServerHello(1))).close()
	ftps := newConv("10.0.0.2:40002", "10.0.0.3:990").open().
		pkt(true, capture.FlagACK, string(synth.ClientHello("ftp.example.com", 1))).
		pkt(false, capture.FlagACK, string(synth.ServerHello(1))).close()
	out, _ := runEngine(t, Config{Detectors: Registry()}, gen, ftps)
	if len(out) != 2 {
		t.Fatalf("%d flows", len(out))
	}
	for _, f := range out {
		want, src := "tls", SourceSignature
		if f.Server.Port() == 990 {
			want, src = "ftps", SourcePort
		}
		if f.Service != want || f.LabelSource != src || !f.Encrypted || f.TLS.SNI == "" {
			t.Errorf("%v: service %q source %q encrypted %v SNI %q; want %q from %s", f.Server, f.Service, f.LabelSource, f.Encrypted, f.TLS.SNI, want, src)
		}
	}
}

// An encrypted FTP session's data connection on a passive port the general
// list names (6346) is ftps-data all the same.
func TestFTPSDataBeatsGeneralListName(t *testing.T) {
	ctl := newConv("10.0.0.2:40001", "10.0.0.1:990").open().
		pkt(true, capture.FlagACK, string(synth.ClientHello("", 1))).
		pkt(false, capture.FlagACK, string(synth.ServerHello(1)))
	data := newConv("10.0.0.2:40002", "10.0.0.1:6346").open().
		pkt(true, capture.FlagACK, string(synth.ClientHello("", 2))).
		pkt(false, capture.FlagACK, string(synth.ServerHello(2))).close()
	pk := append(append([]capture.Packet{}, ctl.pkts...), data.pkts...)
	for i := range pk {
		pk[i].Timestamp = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	}
	out, _ := runEngine(t, Config{Detectors: Registry()}, &conv{pkts: pk})
	found := false
	for _, f := range out {
		if f.Server.Port() == 6346 {
			found = true
			if f.Service != "ftps-data" {
				t.Errorf("data connection on 6346 labelled %q (%s), want ftps-data", f.Service, f.LabelSource)
			}
		}
	}
	if !found {
		t.Fatal("no flow to 6346")
	}
}

// Connectionless LDAP (UDP 389) has no TLS form: no TLS expectation, while
// the same request over TCP 389 raises one.
func TestNoTLSExpectationForLDAPOverUDP(t *testing.T) {
	search := uh("30 25 02 01 01 63 20 04 00 0a 01 00 0a 01 00 02 01 00 02 01 00 01 01 00 87 0b 6f 62 6a 65 63 74 63 6c 61 73 73 30 00")
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	udp := capture.Packet{Timestamp: ts, Transport: capture.UDP, Payload: []byte(search), IPPayloadLen: 8 + len(search),
		Src: netip.MustParseAddr("10.0.0.2"), SrcPort: 40001, Dst: netip.MustParseAddr("10.0.0.1"), DstPort: 389}
	tcp := newConv("10.0.0.2:40002", "10.0.0.1:389").open().pkt(true, capture.FlagACK, search).close()
	out, _ := runEngine(t, Config{Detectors: Registry()}, &conv{pkts: []capture.Packet{udp}}, tcp)
	var sawUDP, sawTCP bool
	for _, f := range out {
		pwte := hasKind(f.Findings, detect.KindPlaintextWhereTLSExpected)
		switch f.Transport {
		case 17:
			sawUDP = true
			if pwte {
				t.Errorf("UDP 389 (%s): %+v", f.Service, f.Findings)
			}
		case 6:
			sawTCP = true
			if !pwte {
				t.Errorf("TCP 389 (%s) lost its TLS expectation: %+v", f.Service, f.Findings)
			}
		}
	}
	if !sawUDP || !sawTCP {
		t.Fatalf("flows: udp %v tcp %v", sawUDP, sawTCP)
	}
}
