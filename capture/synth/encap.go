package synth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

// Encap names a link layer or tunnel that Wrap puts around an IP packet, so
// that a real capture can be replayed over framings no producer on a test
// machine writes (PPP, Cisco HDLC, 802.11, MPLS) and over tunnels whose
// decoding must not change a flow record (GRE, ERSPAN, VXLAN, Geneve).
type Encap string

// The framings. Tunnels are carried in Ethernet frames between 192.0.2.1
// and 192.0.2.2 (TEST-NET-1), or 2001:db8:ff::1 and ::2 for the IPv6 ones.
const (
	PPP        Encap = "ppp"            // link type 9, HDLC address and control bytes
	PPPHDLC    Encap = "ppp-hdlc"       // link type 50
	PPPoE      Encap = "pppoe"          // Ethernet, PPPoE session 0x8864
	CiscoHDLC  Encap = "chdlc"          // link type 104
	WiFi       Encap = "wifi"           // link type 105, QoS data frame to the AP, LLC/SNAP
	WiFiCrypt  Encap = "wifi-protected" // as WiFi with the protected bit and an opaque body
	Radiotap   Encap = "radiotap"       // link type 127, TSFT, flags, rate, channel, signal; plain data frame
	PPI        Encap = "ppi"            // link type 192 with an 802.11-common field, then 802.11
	MPLS       Encap = "mpls"           // Ethernet, two labels, IP
	MPLSPW     Encap = "mpls-pw"        // Ethernet, one label, control word, Ethernet pseudowire
	VLAN       Encap = "vlan"           // Ethernet, 802.1Q VLAN 100
	QinQ       Encap = "qinq"           // Ethernet, 802.1ad 200 outside 802.1Q 100
	GRE        Encap = "gre"            // GRE carrying IP
	GREOpts    Encap = "gre-opts"       // GRE with checksum, key and sequence, over IPv6
	GRETap     Encap = "gretap"         // GRE transparent Ethernet bridging
	ERSPAN2    Encap = "erspan2"        // GRE 0x88BE, ERSPAN type II, mirrored frame in VLAN 10
	ERSPAN3    Encap = "erspan3"        // GRE 0x22EB, ERSPAN type III
	ERSPAN3Sub Encap = "erspan3-sub"    // type III with the platform-specific subheader
	VXLAN      Encap = "vxlan"          // UDP 4789, VNI 42
	Geneve     Encap = "geneve"         // UDP 6081 with one option
	IPIP       Encap = "ipip"           // IPv4 outer, protocol 4 or 41 by the inner version
	IP6IP      Encap = "ip6ip"          // IPv6 outer, next header 4 or 41
)

// Encaps lists every framing Wrap knows.
var Encaps = []Encap{PPP, PPPHDLC, PPPoE, CiscoHDLC, WiFi, WiFiCrypt, Radiotap, PPI, MPLS, MPLSPW,
	VLAN, QinQ, GRE, GREOpts, GRETap, ERSPAN2, ERSPAN3, ERSPAN3Sub, VXLAN, Geneve, IPIP, IP6IP}

// Link returns the pcap link type of e's frames.
func (e Encap) Link() uint16 {
	switch e {
	case PPP:
		return 9
	case PPPHDLC:
		return 50
	case CiscoHDLC:
		return 104
	case WiFi, WiFiCrypt:
		return 105
	case Radiotap:
		return 127
	case PPI:
		return 192
	}
	return 1
}

var (
	macA = []byte{0x02, 0, 0, 0, 0, 0x0a}
	macB = []byte{0x02, 0, 0, 0, 0, 0x0b}
)

func etherType(ip []byte) uint16 {
	if len(ip) > 0 && ip[0]>>4 == 6 {
		return 0x86DD
	}
	return 0x0800
}

func ether(et uint16, payload ...[]byte) []byte {
	b := append(append([]byte{}, macB...), macA...)
	b = binary.BigEndian.AppendUint16(b, et)
	for _, p := range payload {
		b = append(b, p...)
	}
	return b
}

// outer4 builds an IPv4 header (with its checksum) around payload.
func outer4(proto byte, id uint16, payload []byte) []byte {
	h := []byte{0x45, 0, 0, 0, byte(id >> 8), byte(id), 0x40, 0, 64, proto, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2}
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(h[10:], checksum(h))
	return append(h, payload...)
}

// checksum is the Internet checksum (RFC 1071) of b.
func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xFFFF {
		sum = sum&0xFFFF + sum>>16
	}
	return ^uint16(sum)
}

// outer6 builds an IPv6 header around payload.
func outer6(next byte, payload []byte) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(payload)))
	h[6], h[7] = next, 64
	copy(h[8:], []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 15: 1})
	copy(h[24:], []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 15: 2})
	return append(h, payload...)
}

func udp(sport, dport uint16, payload []byte) []byte {
	h := binary.BigEndian.AppendUint16(nil, sport)
	h = binary.BigEndian.AppendUint16(h, dport)
	h = binary.BigEndian.AppendUint16(h, uint16(8+len(payload)))
	h = append(h, 0, 0) // no checksum, as tunnel endpoints commonly send
	return append(h, payload...)
}

// gre builds a GRE packet; with the checksum bit set, extra starts with the
// (zero) checksum field, which is then computed over the whole packet.
func gre(flags, proto uint16, extra []byte, payload []byte) []byte {
	h := binary.BigEndian.AppendUint16(nil, flags)
	h = binary.BigEndian.AppendUint16(h, proto)
	b := append(append(h, extra...), payload...)
	if flags&0x8000 != 0 {
		binary.BigEndian.PutUint16(b[4:], checksum(b))
	}
	return b
}

func wifiLLC(ip []byte) []byte {
	return binary.BigEndian.AppendUint16([]byte{0xAA, 0xAA, 0x03, 0, 0, 0}, etherType(ip))
}

// wifiHeader is a data frame header: QoS data to the AP, or plain data from it.
func wifiHeader(qos, protected bool, n int) []byte {
	fc0, fc1 := byte(0x08), byte(0x02) // data, from DS
	if qos {
		fc0, fc1 = 0x88, 0x01 // QoS data, to DS
	}
	if protected {
		fc1 |= 0x40
	}
	h := []byte{fc0, fc1, 0x2c, 0}
	h = append(h, macA...)
	h = append(h, macB...)
	h = append(h, 0x02, 0, 0, 0, 0, 0x0c)
	h = binary.LittleEndian.AppendUint16(h, uint16(n<<4))
	if qos {
		h = append(h, 0, 0)
	}
	return h
}

// Wrap returns the frame of link type e.Link() that carries the IP packet
// ip; n numbers the packet (IP IDs, sequence numbers).
func (e Encap) Wrap(ip []byte, n int) ([]byte, error) {
	id := uint16(n)
	var ipProto byte = 4
	if etherType(ip) == 0x86DD {
		ipProto = 41
	}
	pppProto := uint16(0x0021)
	if ipProto == 41 {
		pppProto = 0x0057
	}
	inner := ether(etherType(ip), ip)
	switch e {
	case PPP, PPPHDLC:
		return append(binary.BigEndian.AppendUint16([]byte{0xFF, 0x03}, pppProto), ip...), nil
	case PPPoE:
		h := []byte{0x11, 0x00, 0x12, 0x34}
		h = binary.BigEndian.AppendUint16(h, uint16(2+len(ip)))
		h = binary.BigEndian.AppendUint16(h, pppProto)
		return ether(0x8864, h, ip), nil
	case CiscoHDLC:
		return append(binary.BigEndian.AppendUint16([]byte{0x0F, 0x00}, etherType(ip)), ip...), nil
	case WiFi:
		return cat(wifiHeader(true, false, n), wifiLLC(ip), ip), nil
	case WiFiCrypt:
		// CCMP header, opaque body, MIC: nothing readable.
		return cat(wifiHeader(true, true, n), []byte{1, 0, 0, 0x20, 0, 0, 0, 0}, make([]byte, len(ip)), make([]byte, 8)), nil
	case Radiotap:
		rt := []byte{0, 0, 0, 0, 0x0f, 0, 0, 0} // TSFT, flags, rate, channel present
		rt = binary.LittleEndian.AppendUint64(rt, uint64(n)*1000)
		rt = append(rt, 0x00, 0x0c)                       // flags, rate 6 Mb/s
		rt = binary.LittleEndian.AppendUint16(rt, 2437)   // channel 6
		rt = binary.LittleEndian.AppendUint16(rt, 0x00a0) // 2 GHz, OFDM
		binary.LittleEndian.PutUint16(rt[2:], uint16(len(rt)))
		return cat(rt, wifiHeader(false, false, n), wifiLLC(ip), ip), nil
	case PPI:
		field := binary.LittleEndian.AppendUint16(nil, 2) // 802.11-common
		field = binary.LittleEndian.AppendUint16(field, 20)
		field = append(field, make([]byte, 20)...)
		h := []byte{0, 0, 0, 0}
		h = binary.LittleEndian.AppendUint32(h, 105)
		binary.LittleEndian.PutUint16(h[2:], uint16(len(h)+len(field)))
		return cat(h, field, wifiHeader(true, false, n), wifiLLC(ip), ip), nil
	case MPLS:
		return ether(0x8847, []byte{0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40}, ip), nil
	case MPLSPW:
		return ether(0x8847, []byte{0x00, 0x03, 0x01, 0x40}, []byte{0, 0, byte(id >> 8), byte(id)}, inner), nil
	case VLAN:
		return ether(0x8100, []byte{0x00, 100}, binary.BigEndian.AppendUint16(nil, etherType(ip)), ip), nil
	case QinQ:
		return ether(0x88A8, []byte{0x00, 200, 0x81, 0x00, 0x00, 100}, binary.BigEndian.AppendUint16(nil, etherType(ip)), ip), nil
	case GRE:
		return ether(0x0800, outer4(47, id, gre(0, etherType(ip), nil, ip))), nil
	case GREOpts:
		extra := []byte{0, 0, 0, 0, 0, 0, 0, 7, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
		return ether(0x86DD, outer6(47, gre(0xB000, etherType(ip), extra, ip))), nil
	case GRETap:
		return ether(0x0800, outer4(47, id, gre(0, 0x6558, nil, inner))), nil
	case ERSPAN2:
		seq := binary.BigEndian.AppendUint32(nil, uint32(n))
		hdr := []byte{0x10, 10, 0x00, 0x01, 0, 0, 0, 0x05} // version 1, VLAN 10, session 1, index 5
		return ether(0x0800, outer4(47, id, gre(0x1000, 0x88BE, seq, cat(hdr, inner)))), nil
	case ERSPAN3, ERSPAN3Sub:
		seq := binary.BigEndian.AppendUint32(nil, uint32(n))
		hdr := []byte{0x20, 0, 0x00, 0x01} // version 2, VLAN 0, session 1
		hdr = binary.BigEndian.AppendUint32(hdr, uint32(n)*100)
		hdr = append(hdr, 0, 0, 0x00, 0x04) // SGT, frame type 0, hardware ID 0, granularity
		if e == ERSPAN3Sub {
			hdr[11] |= 0x01
			hdr = append(hdr, 0x0c, 0, 0, 0, 0, 0, 0, 0) // platform ID 3
		}
		return ether(0x0800, outer4(47, id, gre(0x1000, 0x22EB, seq, cat(hdr, inner)))), nil
	case VXLAN:
		h := []byte{0x08, 0, 0, 0, 0, 0, 42, 0}
		return ether(0x0800, outer4(17, id, udp(49152+uint16(n%1000), 4789, cat(h, inner)))), nil
	case Geneve:
		opt := []byte{0x01, 0x02, 0x03, 0x01, 0xde, 0xad, 0xbe, 0xef} // class, type, 4 bytes of data
		h := []byte{byte(len(opt) / 4), 0, 0x65, 0x58, 0, 0, 42, 0}
		return ether(0x0800, outer4(17, id, udp(49152+uint16(n%1000), 6081, cat(h, opt, inner)))), nil
	case IPIP:
		return ether(0x0800, outer4(ipProto, id, ip)), nil
	case IP6IP:
		return ether(0x86DD, outer6(ipProto, ip)), nil
	}
	return nil, fmt.Errorf("synth: unknown framing %q", e)
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// Rewrap reads a classic pcap of Ethernet frames carrying IPv4 or IPv6 and
// writes the same packets, with the same timestamps, in framing e.
func Rewrap(in io.Reader, out io.Writer, e Encap) error {
	r, err := pcapgo.NewReader(in)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if r.LinkType() != 1 {
		return fmt.Errorf("synth: rewrap reads Ethernet captures, not link type %d", r.LinkType())
	}
	if err := WritePcapHeader(out, e.Link()); err != nil {
		return err
	}
	for n := 1; ; n++ {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("synth: packet %d: %w", n, err)
		}
		if len(data) < 14 || (binary.BigEndian.Uint16(data[12:]) != 0x0800 && binary.BigEndian.Uint16(data[12:]) != 0x86DD) {
			return fmt.Errorf("synth: packet %d: not an IP frame", n)
		}
		if ci.CaptureLength != ci.Length {
			return errors.New("synth: rewrap needs uncut packets")
		}
		frame, err := e.Wrap(data[14:], n)
		if err != nil {
			return err
		}
		if err := WritePcapRecord(out, ci.Timestamp, frame, len(frame)); err != nil {
			return err
		}
	}
}

// WritePcapHeader writes a microsecond pcap 2.4 file header for link type link.
func WritePcapHeader(w io.Writer, link uint16) error {
	h := binary.LittleEndian.AppendUint32(nil, 0xA1B2C3D4)
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint16(h, 4)
	h = append(h, make([]byte, 8)...)
	h = binary.LittleEndian.AppendUint32(h, 262144)
	h = binary.LittleEndian.AppendUint32(h, uint32(link))
	_, err := w.Write(h)
	return err
}

// WritePcapRecord writes one record of a microsecond pcap.
func WritePcapRecord(w io.Writer, ts time.Time, frame []byte, wire int) error {
	h := binary.LittleEndian.AppendUint32(nil, uint32(ts.Unix()))
	h = binary.LittleEndian.AppendUint32(h, uint32(ts.Nanosecond()/1000))
	h = binary.LittleEndian.AppendUint32(h, uint32(len(frame)))
	h = binary.LittleEndian.AppendUint32(h, uint32(wire))
	if _, err := w.Write(h); err != nil {
		return err
	}
	_, err := w.Write(frame)
	return err
}
