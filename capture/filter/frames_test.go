package filter

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/bpf"
)

// frame is one Ethernet frame with a name for failure messages.
type frame struct {
	name string
	data []byte
}

// ser serialises layers into a frame, fixing lengths and checksums.
func ser(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	for _, l := range ls {
		if tl, ok := l.(interface {
			SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
		}); ok {
			for _, n := range ls {
				if nl, ok := n.(gopacket.NetworkLayer); ok {
					tl.SetNetworkLayerForChecksum(nl)
				}
			}
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}

var (
	macA = net.HardwareAddr{2, 0, 0, 0, 0, 1}
	macB = net.HardwareAddr{2, 0, 0, 0, 0, 2}
)

func eth(t layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: t}
}

func ip4(src, dst string, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
}

func ip6(src, dst string, nh layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: nh, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
}

// synthFrames covers what the recorded captures lack: VLAN tags (802.1Q,
// 802.1ad, stacked), ARP, IPv4 options and fragments, IPv6 fragment headers,
// ICMP and SCTP.
func synthFrames(t testing.TB) []frame {
	pl := gopacket.Payload("hello")
	tcp := func(s, d uint16) *layers.TCP {
		return &layers.TCP{SrcPort: layers.TCPPort(s), DstPort: layers.TCPPort(d), SYN: true, Window: 1000}
	}
	udp := func(s, d uint16) *layers.UDP {
		return &layers.UDP{SrcPort: layers.UDPPort(s), DstPort: layers.UDPPort(d)}
	}
	frag := ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP)
	frag.FragOffset = 185
	first := ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP)
	first.Flags = layers.IPv4MoreFragments
	opts := ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP)
	opts.Options = []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}
	vlan := func(id uint16, et layers.EthernetType) *layers.Dot1Q {
		return &layers.Dot1Q{VLANIdentifier: id, Type: et}
	}
	qinq := eth(layers.EthernetTypeQinQ)
	arp := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: 1, SourceHwAddress: macA, SourceProtAddress: net.ParseIP("10.0.0.1").To4(), DstHwAddress: make([]byte, 6), DstProtAddress: net.ParseIP("10.0.0.9").To4()}
	return []frame{
		{"v4 tcp 1234>80", ser(t, eth(layers.EthernetTypeIPv4), ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP), tcp(1234, 80), pl)},
		{"v4 tcp 8471>50000", ser(t, eth(layers.EthernetTypeIPv4), ip4("192.168.5.7", "10.1.2.3", layers.IPProtocolTCP), tcp(8471, 50000), pl)},
		{"v4 udp 53", ser(t, eth(layers.EthernetTypeIPv4), ip4("10.0.0.2", "172.16.0.53", layers.IPProtocolUDP), udp(40000, 53), pl)},
		{"v4 options tcp 80", ser(t, eth(layers.EthernetTypeIPv4), opts, tcp(1234, 80), pl)},
		{"v4 non-first fragment", ser(t, eth(layers.EthernetTypeIPv4), frag, gopacket.Payload([]byte{0, 80, 0, 80, 1, 2, 3, 4}))},
		{"v4 first fragment udp 53", ser(t, eth(layers.EthernetTypeIPv4), first, udp(53, 53), pl)},
		{"v4 icmp", ser(t, eth(layers.EthernetTypeIPv4), ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolICMPv4), &layers.ICMPv4{TypeCode: 0x0800}, pl)},
		{"v4 sctp 80", ser(t, eth(layers.EthernetTypeIPv4), ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolSCTP), gopacket.Payload([]byte{0x04, 0xd2, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0}))},
		{"v6 tcp 80", ser(t, eth(layers.EthernetTypeIPv6), ip6("2001:db8::1", "2001:db8::2", layers.IPProtocolTCP), tcp(1234, 80), pl)},
		{"v6 udp 53", ser(t, eth(layers.EthernetTypeIPv6), ip6("2001:db8:1::5", "fe80::1", layers.IPProtocolUDP), udp(53, 40000), pl)},
		{"v6 frag tcp", ser(t, eth(layers.EthernetTypeIPv6), ip6("2001:db8::1", "2001:db8::2", layers.IPProtocolIPv6Fragment),
			&layers.IPv6Fragment{NextHeader: layers.IPProtocolTCP, Identification: 7}, tcp(1234, 80), pl)},
		{"vlan 100 v4 tcp 80", ser(t, eth(layers.EthernetTypeDot1Q), vlan(100, layers.EthernetTypeIPv4), ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP), tcp(1234, 80), pl)},
		{"vlan 200 v6 udp", ser(t, eth(layers.EthernetTypeDot1Q), vlan(200, layers.EthernetTypeIPv6), ip6("2001:db8::1", "2001:db8::2", layers.IPProtocolUDP), udp(5353, 53), pl)},
		{"qinq 10/20 v4 tcp", ser(t, qinq, vlan(10, layers.EthernetTypeDot1Q), vlan(20, layers.EthernetTypeIPv4), ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP), tcp(1234, 8471), pl)},
		{"arp 10.0.0.1>10.0.0.9", ser(t, eth(layers.EthernetTypeARP), arp)},
		{"short", []byte{1, 2, 3}},
	}
}

// recordedFrames returns every Ethernet frame of the repository's captures
// (testdata/*.pcap and capture/testdata).
func recordedFrames(t testing.TB) []frame {
	t.Helper()
	var out []frame
	for _, pat := range []string{"../../testdata/*.pcap", "../testdata/*.pcap", "../testdata/*.pcapng"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var src interface {
				ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
			}
			var link layers.LinkType
			if bytes.HasPrefix(b, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
				r, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.DefaultNgReaderOptions)
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				src, link = r, r.LinkType()
			} else {
				r, err := pcapgo.NewReader(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				src, link = r, r.LinkType()
			}
			if link != layers.LinkTypeEthernet {
				continue // the compilers target Ethernet
			}
			for i := 1; ; i++ {
				d, _, err := src.ReadPacketData()
				if err != nil {
					break
				}
				out = append(out, frame{name: filepath.Base(f) + "#" + itoa(i), data: d})
			}
		}
	}
	if len(out) < 1000 {
		t.Fatalf("only %d recorded frames found", len(out))
	}
	return out
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

// verdict runs prog on data in x/net/bpf's VM.
func verdict(t testing.TB, vm *bpf.VM, data []byte) bool {
	n, err := vm.Run(data)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}
