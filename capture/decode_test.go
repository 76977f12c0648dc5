package capture

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Real frames from testdata/lo-eth.pcap (packets 4 and 16) and
// testdata/lo-snap80.pcap (packet 13): curl's GET over IPv4 and IPv6 on
// loopback and a DNS-shaped UDP datagram. The IP packets start at offset 14.
var (
	realEthTCP4 = unhex(`00 00 00 00 00 00 00 00 00 00 00 00 08 00 45 00
		00 8d 82 a5 40 00 40 06 b9 c3 7f 00 00 01 7f 00 00 01 af d8 46 a0 8a 57 9b d4 08 ee fd 78 80 18
		00 40 fe 81 00 00 01 01 08 0a 09 a9 95 73 80 a4 a1 f6 47 45 54 20 2f 69 6e 64 65 78 2e 68 74 6d
		6c 20 48 54 54 50 2f 31 2e 31 0d 0a 48 6f 73 74 3a 20 31 32 37 2e 30 2e 30 2e 31 3a 31 38 30 38
		30 0d 0a 55 73 65 72 2d 41 67 65 6e 74 3a 20 63 75 72 6c 2f 37 2e 38 38 2e 31 0d 0a 41 63 63 65
		70 74 3a 20 2a 2f 2a 0d 0a 0d 0a`)
	realEthTCP6 = unhex(`00 00 00 00 00 00 00 00 00 00 00 00 86 dd 60 03
		0a e1 00 75 06 40 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00
		00 00 00 00 00 01 9c 3c 46 a1 d2 ff 03 51 b6 bf 7c e8 80 18 00 40 00 7d 00 00 01 01 08 0a e9 a5
		ec 5f a4 0a cc d8 47 45 54 20 2f 69 6e 64 65 78 2e 68 74 6d 6c 20 48 54 54 50 2f 31 2e 31 0d 0a
		48 6f 73 74 3a 20 5b 3a 3a 31 5d 3a 31 38 30 38 31 0d 0a 55 73 65 72 2d 41 67 65 6e 74 3a 20 63
		75 72 6c 2f 37 2e 38 38 2e 31 0d 0a 41 63 63 65 70 74 3a 20 2a 2f 2a 0d 0a 0d 0a`)
	realEthUDP4 = unhex(`00 00 00 00 00 00 00 00 00 00 00 00 08 00 45 00
		00 39 80 63 40 00 40 11 bc 4e 7f 00 00 01 7f 00 00 01 bf 06 46 85 00 25 fe 38 12 34 01 00 00 01
		00 00 00 00 00 00 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 00 01 00 01`)
)

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func ip4(frame []byte) []byte { return frame[14:] }

// withIPv4Options inserts n*4 bytes of NOP options into an IPv4 packet.
func withIPv4Options(ip []byte, n int) []byte {
	ihl := int(ip[0]&0x0F) * 4
	out := cat(ip[:ihl], bytes.Repeat([]byte{1}, n*4), ip[ihl:])
	out[0] = 0x40 | byte((ihl+n*4)/4)
	binary.BigEndian.PutUint16(out[2:], uint16(len(out)))
	return out
}

// withFrag sets the IPv4 fragment field.
func withFrag(ip []byte, mf bool, off uint16) []byte {
	out := bytes.Clone(ip)
	v := off & 0x1FFF
	if mf {
		v |= 0x2000
	}
	binary.BigEndian.PutUint16(out[6:], v)
	return out
}

// withV6Ext inserts an extension header (type typ, body at least 6 bytes,
// padded to 8) right after the fixed IPv6 header.
func withV6Ext(ip []byte, typ byte, ext []byte) []byte {
	next := ip[6]
	h := cat([]byte{next}, ext)
	out := cat(ip[:40], h, ip[40:])
	out[6] = typ
	binary.BigEndian.PutUint16(out[4:], uint16(len(out)-40))
	return out
}

func optExt(n int) []byte { // hop-by-hop / dst opts / routing of (n+1)*8 bytes: len byte + PadN
	b := make([]byte, (n+1)*8-1)
	b[0] = byte(n)
	b[1] = 1 // PadN
	b[2] = byte(len(b) - 3)
	return b
}

func fragExt(off uint16, more bool, id uint32) []byte {
	b := make([]byte, 7)
	v := off << 3
	if more {
		v |= 1
	}
	binary.BigEndian.PutUint16(b[1:], v)
	binary.BigEndian.PutUint32(b[3:], id)
	return b
}

func TestDecode(t *testing.T) {
	get4 := realEthTCP4[66:]
	get6 := realEthTCP6[86:]
	dns := realEthUDP4[42:]
	lo4 := netip.MustParseAddr("127.0.0.1")
	lo6 := netip.MustParseAddr("::1")
	vlan := func(frame []byte, tpids ...uint16) []byte {
		out := bytes.Clone(frame[:12])
		for i, tp := range tpids {
			out = binary.BigEndian.AppendUint16(out, tp)
			out = binary.BigEndian.AppendUint16(out, uint16(100+i))
		}
		return cat(out, frame[12:])
	}
	sll := func(proto uint16, ip []byte) []byte {
		h := unhex("0000 0304 0006 0000000000000000 0000")
		binary.BigEndian.PutUint16(h[14:], proto)
		return cat(h, ip)
	}
	sll2 := func(proto uint16, ip []byte) []byte {
		h := unhex("0000 0000 00000001 0304 00 06 0000000000000000")
		binary.BigEndian.PutUint16(h[0:], proto)
		return cat(h, ip)
	}
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	be32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	v6 := ip4(realEthTCP6)
	esp6 := bytes.Clone(v6)
	esp6[6] = 50
	icmp4 := bytes.Clone(ip4(realEthTCP4))
	icmp4[9] = 1
	nonext6 := withV6Ext(v6, 60, optExt(0))
	nonext6[40] = 59
	ah4 := func() []byte {
		ip := ip4(realEthTCP4)
		ah := make([]byte, 24) // next, len=(24/4)-2=4, reserved, SPI, seq, 12-byte ICV
		ah[0], ah[1] = 6, 4
		out := cat(ip[:20], ah, ip[20:])
		out[9] = 51
		binary.BigEndian.PutUint16(out[2:], uint16(len(out)))
		return out
	}()
	badUDP := bytes.Clone(ip4(realEthUDP4))
	badUDP[20+5] = 7 // UDP length 7
	shortUDP := bytes.Clone(ip4(realEthUDP4))
	shortUDP[20+5] = 8 + 10 // datagram ends 19 bytes before the IP packet does
	badOff := bytes.Clone(ip4(realEthTCP4))
	badOff[20+12] = 0x40 // data offset 16 bytes
	hugeOff := bytes.Clone(ip4(realEthTCP4))
	hugeOff[2], hugeOff[3] = 0, 40 // total length leaves 20 bytes for TCP, data offset says 32

	tests := []struct {
		name    string
		link    LinkType
		data    []byte
		reason  SkipReason
		ok      bool
		src     netip.Addr
		sport   uint16
		dport   uint16
		proto   uint8
		payload []byte
		ipLen   int
		trunc   bool
	}{
		{"eth ipv4 tcp", LinkEthernet, realEthTCP4, SkipNone, true, lo4, 45016, 18080, TCP, get4, 121, false},
		{"eth ipv6 tcp", LinkEthernet, realEthTCP6, SkipNone, true, lo6, 39996, 18081, TCP, get6, 117, false},
		{"eth ipv4 udp", LinkEthernet, realEthUDP4, SkipNone, true, lo4, 48902, 18053, UDP, dns, 37, false},
		{"eth padding trimmed", LinkEthernet, cat(realEthUDP4, make([]byte, 12)), SkipNone, true, lo4, 48902, 18053, UDP, dns, 37, false},
		{"802.1Q", LinkEthernet, vlan(realEthTCP4, 0x8100), SkipNone, true, lo4, 45016, 18080, TCP, get4, 121, false},
		{"QinQ 88a8", LinkEthernet, vlan(realEthTCP6, 0x88a8, 0x8100), SkipNone, true, lo6, 39996, 18081, TCP, get6, 117, false},
		{"QinQ 9100", LinkEthernet, vlan(realEthUDP4, 0x9100, 0x8100), SkipNone, true, lo4, 48902, 18053, UDP, dns, 37, false},
		{"vlan cut", LinkEthernet, vlan(realEthTCP4, 0x8100)[:16], SkipTruncatedHeader, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"snaplen cut payload", LinkEthernet, realEthTCP4[:80], SkipNone, true, lo4, 45016, 18080, TCP, get4[:14], 121, true},
		{"snaplen cut tcp header", LinkEthernet, realEthTCP4[:60], SkipTruncatedHeader, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"ipv4 options", LinkRaw, withIPv4Options(ip4(realEthTCP4), 3), SkipNone, true, lo4, 45016, 18080, TCP, get4, 121, false},
		{"ipv4 first fragment", LinkIPv4, withFrag(ip4(realEthUDP4), true, 0), FirstFragment, true, lo4, 48902, 18053, UDP, dns, 37, false},
		{"ipv4 later fragment", LinkIPv4, withFrag(ip4(realEthUDP4), false, 185), SkipIPFragment, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"ipv4 last fragment", LinkIPv4, withFrag(ip4(realEthUDP4), true, 1), SkipIPFragment, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"ipv4 AH", LinkRaw, ah4, SkipNone, true, lo4, 45016, 18080, TCP, get4, 121, false},
		{"ipv4 icmp", LinkRaw, icmp4, SkipOtherTransport, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"ipv6 hop-by-hop", LinkIPv6, withV6Ext(v6, 0, optExt(0)), SkipNone, true, lo6, 39996, 18081, TCP, get6, 117, false},
		{"ipv6 dstopts+routing", LinkRaw, withV6Ext(withV6Ext(v6, 43, optExt(1)), 60, optExt(0)), SkipNone, true, lo6, 39996, 18081, TCP, get6, 117, false},
		{"ipv6 first fragment", LinkRaw, withV6Ext(v6, 44, fragExt(0, true, 7)), FirstFragment, true, lo6, 39996, 18081, TCP, get6, 117, false},
		{"ipv6 later fragment", LinkRaw, withV6Ext(v6, 44, fragExt(10, false, 7)), SkipIPFragment, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"ipv6 esp", LinkRaw, esp6, SkipESP, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"ipv6 no next header", LinkRaw, nonext6, SkipOtherTransport, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"ipv6 ext cut", LinkRaw, withV6Ext(v6, 0, optExt(0))[:44], SkipTruncatedHeader, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"sll", LinkLinuxSLL, sll(0x86DD, v6), SkipNone, true, lo6, 39996, 18081, TCP, get6, 117, false},
		{"sll2", LinkLinuxSLL2, sll2(0x0800, ip4(realEthTCP4)), SkipNone, true, lo4, 45016, 18080, TCP, get4, 121, false},
		{"sll2 arp", LinkLinuxSLL2, sll2(0x0806, make([]byte, 28)), SkipARP, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"null LE inet", LinkNull, cat(le32(2), ip4(realEthTCP4)), SkipNone, true, lo4, 45016, 18080, TCP, get4, 121, false},
		{"null BE inet6 macOS", LinkNull, cat(be32(30), v6), SkipNone, true, lo6, 39996, 18081, TCP, get6, 117, false},
		{"null LE inet6 BSD", LinkNull, cat(le32(24), v6), SkipNone, true, lo6, 39996, 18081, TCP, get6, 117, false},
		{"null unknown family", LinkNull, cat(le32(7), v6), SkipNonIP, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"loop inet", LinkLoop, cat(be32(2), ip4(realEthUDP4)), SkipNone, true, lo4, 48902, 18053, UDP, dns, 37, false},
		{"raw12", LinkRawDLT12, ip4(realEthUDP4), SkipNone, true, lo4, 48902, 18053, UDP, dns, 37, false},
		{"raw14", LinkRawDLT14, v6, SkipNone, true, lo6, 39996, 18081, TCP, get6, 117, false},
		{"raw bad version", LinkRaw, cat([]byte{0x50}, ip4(realEthUDP4)[1:]), SkipBadIPHeader, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"ipv4 link with ipv6", LinkIPv4, v6, SkipBadIPHeader, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"arp", LinkEthernet, cat(realEthTCP4[:12], []byte{8, 6}, make([]byte, 28)), SkipARP, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"lldp", LinkEthernet, cat(realEthTCP4[:12], []byte{0x88, 0xcc}, make([]byte, 28)), SkipNonIP, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"unsupported link", LinkType(147), realEthTCP4, SkipUnsupportedLink, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"ihl too small", LinkRaw, cat([]byte{0x44}, ip4(realEthTCP4)[1:]), SkipBadIPHeader, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"tcp offset < 20", LinkRaw, badOff, SkipBadTCPHeader, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"tcp offset > ip length", LinkRaw, hugeOff, SkipBadTCPHeader, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"udp length < 8", LinkRaw, badUDP, SkipBadUDPHeader, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
		{"udp shorter than ip", LinkRaw, shortUDP, SkipNone, true, lo4, 48902, 18053, UDP, dns[:10], 37, false},
		{"empty", LinkEthernet, nil, SkipTruncatedHeader, false, netip.Addr{}, 0, 0, 0, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Packet
			reason, ok := Decode(tt.link, tt.data, &p)
			if reason != tt.reason || ok != tt.ok {
				t.Fatalf("Decode = (%v, %v), want (%v, %v)", reason, ok, tt.reason, tt.ok)
			}
			if !ok {
				return
			}
			if p.Src != tt.src || p.Dst != tt.src || p.SrcPort != tt.sport || p.DstPort != tt.dport || p.Transport != tt.proto {
				t.Errorf("got %v:%d > %v:%d proto %d", p.Src, p.SrcPort, p.Dst, p.DstPort, p.Transport)
			}
			if !bytes.Equal(p.Payload, tt.payload) {
				t.Errorf("payload %q, want %q", p.Payload, tt.payload)
			}
			if p.IPPayloadLen != tt.ipLen || p.Truncated != tt.trunc {
				t.Errorf("IPPayloadLen %d truncated %v, want %d %v", p.IPPayloadLen, p.Truncated, tt.ipLen, tt.trunc)
			}
		})
	}
}

func TestDecodeTCPFields(t *testing.T) {
	var p Packet
	if _, ok := Decode(LinkEthernet, realEthTCP4, &p); !ok {
		t.Fatal("not decoded")
	}
	// tshark: seq 2320997332, ack 149880184, flags PSH|ACK
	if p.Seq != 2320997332 || p.Ack != 149880184 || p.TCPFlags != FlagPSH|FlagACK {
		t.Errorf("seq %d ack %d flags %#x", p.Seq, p.Ack, p.TCPFlags)
	}
	// A TCP packet decoded after a UDP one must not keep UDP's zero fields
	// and vice versa.
	if _, ok := Decode(LinkEthernet, realEthUDP4, &p); !ok || p.Seq != 0 || p.Ack != 0 || p.TCPFlags != 0 {
		t.Errorf("udp after tcp: seq %d ack %d flags %#x", p.Seq, p.Ack, p.TCPFlags)
	}
}

func TestDecodeAllocs(t *testing.T) {
	var p Packet
	n := testing.AllocsPerRun(1000, func() {
		Decode(LinkEthernet, realEthTCP4, &p)
		Decode(LinkEthernet, realEthTCP6, &p)
	})
	if n != 0 {
		t.Errorf("Decode allocates %.1f times per run", n)
	}
}

func BenchmarkDecode(b *testing.B) {
	var p Packet
	b.ReportAllocs()
	b.SetBytes(int64(len(realEthTCP4)))
	for b.Loop() {
		Decode(LinkEthernet, realEthTCP4, &p)
	}
}
