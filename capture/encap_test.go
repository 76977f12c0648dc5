package capture

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/ibmitap/ibmitap/capture/synth"
)

// decodeOK decodes a frame that must decode.
func decodeOK(t *testing.T, link LinkType, frame []byte) Packet {
	t.Helper()
	var p Packet
	if r, ok := Decode(link, frame, &p); !ok {
		t.Fatalf("link %v: skipped as %v", link, r)
	}
	return p
}

// TestDecodeEncaps wraps real IPv4 and IPv6 packets in every link layer and
// tunnel synth knows and expects the inner packet, exactly as decoded bare.
func TestDecodeEncaps(t *testing.T) {
	wantVLAN := map[synth.Encap]uint16{synth.VLAN: 100, synth.QinQ: 200, synth.ERSPAN2: 10}
	for _, frame := range [][]byte{realEthTCP4, realEthTCP6, realEthUDP4} {
		ip := frame[14:]
		want := decodeOK(t, LinkRaw, ip)
		for _, e := range synth.Encaps {
			if e == synth.WiFiCrypt {
				continue
			}
			t.Run(string(e), func(t *testing.T) {
				w, err := e.Wrap(ip, 7)
				if err != nil {
					t.Fatal(err)
				}
				p := decodeOK(t, LinkType(e.Link()), w)
				if p.VLAN != wantVLAN[e] {
					t.Errorf("VLAN %d, want %d", p.VLAN, wantVLAN[e])
				}
				p.VLAN = 0
				if toRec(&p) != toRec(&want) {
					t.Errorf("got  %+v\nwant %+v", toRec(&p), toRec(&want))
				}
				// Every cut of the frame is skipped or decoded without panic.
				for n := range w {
					var q Packet
					Decode(LinkType(e.Link()), w[:n], &q)
				}
			})
		}
	}
}

func TestDecodeEncapSkips(t *testing.T) {
	ip := realEthTCP4[14:]
	wrap := func(e synth.Encap, b []byte) []byte {
		w, err := e.Wrap(b, 1)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	// Nested GRE: each level adds Ethernet+IPv4+GRE around the previous
	// frame's IP packet.
	nest := func(levels int) []byte {
		b := ip
		for range levels {
			b = wrap(synth.GRE, b)[14:]
		}
		return cat(realEthTCP4[:12], []byte{8, 0}, b)
	}
	vxlanBadFlags := wrap(synth.VXLAN, ip)
	vxlanBadFlags[14+20+8] = 0 // I flag cleared: an ordinary datagram to 4789
	greV2 := wrap(synth.GRE, ip)
	greV2[14+20+1] = 2
	erspanV3 := wrap(synth.ERSPAN2, ip)
	erspanV3[14+20+8] = 0x30
	greRouting := wrap(synth.GRE, ip)
	greRouting[14+20] = 0x40
	mgmt := wrap(synth.WiFi, ip)
	mgmt[0] = 0x80 // beacon
	nullData := wrap(synth.WiFi, ip)
	nullData[0] = 0xC8 // QoS null
	nonSNAP := wrap(synth.WiFi, ip)
	nonSNAP[26] = 0x42
	pppLCP := wrap(synth.PPP, ip)
	pppLCP[2], pppLCP[3] = 0xC0, 0x21
	ppiLoop := []byte{0, 0, 8, 0, 192, 0, 0, 0}
	for range 6 {
		ppiLoop = append(ppiLoop, 0, 0, 8, 0, 192, 0, 0, 0)
	}
	tests := []struct {
		name   string
		link   LinkType
		frame  []byte
		reason SkipReason
		ok     bool
	}{
		{"gre nested 4", LinkEthernet, nest(4), SkipNone, true},
		{"gre nested 5", LinkEthernet, nest(5), SkipTooDeep, false},
		{"wifi protected", LinkIEEE80211, wrap(synth.WiFiCrypt, ip), SkipWiFiEncrypted, false},
		{"wifi management", LinkIEEE80211, mgmt, SkipNonIP, false},
		{"wifi null data", LinkIEEE80211, nullData, SkipNonIP, false},
		{"wifi non-SNAP LLC", LinkIEEE80211, nonSNAP, SkipNonIP, false},
		{"ppp LCP", LinkPPP, pppLCP, SkipNonIP, false},
		{"gre version 2", LinkEthernet, greV2, SkipBadTunnelHeader, false},
		{"gre routing", LinkEthernet, greRouting, SkipBadTunnelHeader, false},
		{"erspan unknown version", LinkEthernet, erspanV3, SkipBadTunnelHeader, false},
		{"ppi nested", LinkPPI, ppiLoop, SkipTooDeep, false},
		{"user0", LinkType(147), realEthTCP4, SkipUnsupportedLink, false},
	}
	for _, tt := range tests {
		var p Packet
		r, ok := Decode(tt.link, tt.frame, &p)
		if r != tt.reason || ok != tt.ok {
			t.Errorf("%s: (%v, %v), want (%v, %v)", tt.name, r, ok, tt.reason, tt.ok)
		}
	}
	// A datagram to the VXLAN port without the VXLAN flags is a flow of its own.
	p := decodeOK(t, LinkEthernet, vxlanBadFlags)
	if p.Transport != UDP || p.DstPort != 4789 {
		t.Errorf("not-VXLAN datagram: %+v", toRec(&p))
	}
}

// TestDecodeTunnelVLAN: the VLAN of the traffic inside a tunnel keys the
// flow, not the VLAN the tunnel itself crosses.
func TestDecodeTunnelVLAN(t *testing.T) {
	inner, _ := synth.VLAN.Wrap(realEthTCP4[14:], 1) // Ethernet, VLAN 100, IP
	vx, _ := synth.VXLAN.Wrap(realEthTCP4[14:], 1)
	// Put the inner tagged frame into the VXLAN packet, and tag the outer
	// frame with VLAN 300.
	outerIP := vx[14 : 14+20+8+8]
	vxTagged := cat(vx[:12], []byte{0x81, 0, 0x01, 0x2c, 0x08, 0x00}, outerIP, inner)
	binary.BigEndian.PutUint16(vxTagged[18+2:], uint16(len(vxTagged)-18))
	binary.BigEndian.PutUint16(vxTagged[18+20+4:], uint16(len(vxTagged)-18-20))
	p := decodeOK(t, LinkEthernet, vxTagged)
	if p.VLAN != 100 || p.DstPort != 18080 {
		t.Errorf("VLAN %d port %d, want the inner 100 and 18080", p.VLAN, p.DstPort)
	}
	// Untagged inside a tagged tunnel: no VLAN.
	vxOuter := cat(vx[:12], []byte{0x81, 0, 0x01, 0x2c, 0x08, 0x00}, vx[14:])
	if p := decodeOK(t, LinkEthernet, vxOuter); p.VLAN != 0 {
		t.Errorf("VLAN %d from the tunnel's own tag", p.VLAN)
	}
	// A priority tag (VLAN 0) outside a real one.
	prio := cat(realEthTCP4[:12], []byte{0x81, 0, 0xa0, 0, 0x81, 0, 0, 7, 8, 0}, realEthTCP4[14:])
	if p := decodeOK(t, LinkEthernet, prio); p.VLAN != 7 {
		t.Errorf("VLAN %d behind a priority tag, want 7", p.VLAN)
	}
}

func TestDecodeNFLOG(t *testing.T) {
	ip := realEthTCP4[14:]
	tlv := func(order binary.AppendByteOrder, typ uint16, v []byte) []byte {
		b := order.AppendUint16(nil, uint16(4+len(v)))
		b = order.AppendUint16(b, typ)
		b = append(b, v...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		rec := cat([]byte{2, 0, 0, 5},
			tlv(order, 1, []byte{0x08, 0x00, 3, 0}), // packet header
			tlv(order, 10, []byte("ibmitap\x00")),   // prefix
			tlv(order, nfulaPayload, ip))
		p := decodeOK(t, LinkNFLOG, rec)
		if p.DstPort != 18080 || !bytes.Equal(p.Payload, realEthTCP4[66:]) {
			t.Errorf("%v: %+v", order, toRec(&p))
		}
		// Cut inside the payload attribute: still decoded, truncated.
		if p := decodeOK(t, LinkNFLOG, rec[:len(rec)-20]); !p.Truncated {
			t.Errorf("%v: cut payload not marked truncated", order)
		}
		var q Packet
		for _, n := range []int{26, 38} { // in the payload's attribute header; in the IP header
			if r, ok := Decode(LinkNFLOG, rec[:n], &q); ok || r != SkipTruncatedHeader {
				t.Errorf("%v: cut at %d: (%v, %v)", order, n, r, ok)
			}
		}
		noPayload := cat([]byte{2, 0, 0, 5}, tlv(order, 1, []byte{0x08, 0x00, 3, 0}))
		if r, ok := Decode(LinkNFLOG, noPayload, &q); ok || r != SkipNonIP {
			t.Errorf("%v: no payload: (%v, %v)", order, r, ok)
		}
	}
}

func TestDecodeLinkVariants(t *testing.T) {
	ip := realEthTCP4[14:]
	want := decodeOK(t, LinkRaw, ip)
	v6 := realEthTCP6[14:]
	want6 := decodeOK(t, LinkRaw, v6)
	radiotapPad := func() []byte {
		// Flags field with the data-padding bit: a QoS header (26 bytes)
		// is padded to 28.
		w, _ := synth.WiFi.Wrap(ip, 1)
		rt := []byte{0, 0, 9, 0, 0x02, 0, 0, 0, 0x20}
		return cat(rt, w[:26], []byte{0, 0}, w[26:])
	}()
	amsdu := func() []byte {
		w, _ := synth.WiFi.Wrap(ip, 1)
		h := bytes.Clone(w[:26])
		h[24] |= 0x80
		sub := cat(make([]byte, 12), binary.BigEndian.AppendUint16(nil, uint16(len(w)-26)), w[26:])
		return cat(h, sub)
	}()
	mplsNoCW := func() []byte { // pseudowire frame whose MAC starts with a 0 nibble
		inner := cat([]byte{0x00, 0x1b, 0x21, 1, 2, 3, 0x00, 0x1b, 0x21, 4, 5, 6, 8, 0}, ip)
		return cat(realEthTCP4[:12], []byte{0x88, 0x47, 0, 0x03, 0x01, 0x40}, inner)
	}()
	tests := []struct {
		name  string
		link  LinkType
		frame []byte
		want  Packet
	}{
		{"ppp protocol-field compressed", LinkPPP, cat([]byte{0x21}, ip), want},
		{"ppp without address and control", LinkPPP, cat([]byte{0x00, 0x57}, v6), want6},
		{"ppp with direction", LinkPPPWithDir, cat([]byte{1, 0xff, 0x03, 0x00, 0x21}, ip), want},
		{"cisco hdlc in link type 50", LinkPPPHDLC, cat([]byte{0x0f, 0x00, 0x08, 0x00}, ip), want},
		{"cisco hdlc with direction", LinkCHDLCWithDir, cat([]byte{0, 0x8f, 0x00, 0x86, 0xdd}, v6), want6},
		{"pppoe without ethernet", LinkPPPoE, cat([]byte{0x11, 0, 0, 1, byte((len(ip) + 2) >> 8), byte(len(ip) + 2), 0, 0x21}, ip), want},
		{"802.3 llc snap", LinkEthernet, cat(realEthTCP4[:12], []byte{0, byte(len(ip) + 8), 0xaa, 0xaa, 3, 0, 0, 0, 8, 0}, ip), want},
		{"atm rfc1483", LinkATMRFC1483, cat([]byte{0xaa, 0xaa, 3, 0, 0, 0, 0x86, 0xdd}, v6), want6},
		{"sll llc", LinkLinuxSLL, cat(make([]byte, 14), []byte{0, 4, 0xaa, 0xaa, 3, 0, 0, 0, 8, 0}, ip), want},
		{"radiotap data padding", LinkRadiotap, radiotapPad, want},
		{"a-msdu", LinkIEEE80211, amsdu, want},
		{"mpls pseudowire without control word", LinkEthernet, mplsNoCW, want},
	}
	for _, tt := range tests {
		var p Packet
		if r, ok := Decode(tt.link, tt.frame, &p); !ok {
			t.Errorf("%s: skipped as %v", tt.name, r)
			continue
		}
		if toRec(&p) != toRec(&tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, toRec(&p), toRec(&tt.want))
		}
	}
}

func TestDecodeEncapAllocs(t *testing.T) {
	var frames [][]byte
	var links []LinkType
	for _, e := range synth.Encaps {
		w, _ := e.Wrap(realEthTCP4[14:], 1)
		frames, links = append(frames, w), append(links, LinkType(e.Link()))
	}
	var p Packet
	n := testing.AllocsPerRun(200, func() {
		for i, f := range frames {
			Decode(links[i], f, &p)
		}
	})
	if n != 0 {
		t.Errorf("Decode allocates %.1f times per run over every framing", n)
	}
}
