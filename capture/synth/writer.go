package synth

import (
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// DefaultStart is the timestamp of the first packet when Options.Start is zero.
var DefaultStart = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// Options configure a Writer. The zero value writes Ethernet frames starting
// at DefaultStart, one packet per millisecond, without a snap length cut.
type Options struct {
	Start time.Time     // timestamp of the first packet
	Step  time.Duration // clock advance after each packet (default 1ms)
	// Link is layers.LinkTypeEthernet (default) or layers.LinkTypeRaw.
	Link layers.LinkType
	// Snaplen cuts every frame to this many bytes (0: no cut); the record
	// keeps the full wire length.
	Snaplen int
	// VLANs tags every Ethernet frame, outermost first; with more than one
	// tag the outer ones use the 802.1ad TPID 0x88a8.
	VLANs []uint16
	// Nanos writes a nanosecond-resolution pcap.
	Nanos bool
}

// Writer writes synthetic packets as pcap to an io.Writer. It does not
// buffer: wrap a file in a bufio.Writer (and flush it) for large captures.
type Writer struct {
	pw      *pcapgo.Writer
	opt     Options
	now     time.Time
	packets int
	ipID    uint16
	buf     gopacket.SerializeBuffer
	err     error
}

// NewWriter writes the pcap file header and returns a Writer.
func NewWriter(w io.Writer, opt Options) (*Writer, error) {
	if opt.Start.IsZero() {
		opt.Start = DefaultStart
	}
	if opt.Step == 0 {
		opt.Step = time.Millisecond
	}
	if opt.Link == 0 {
		opt.Link = layers.LinkTypeEthernet
	}
	if opt.Link != layers.LinkTypeEthernet && opt.Link != layers.LinkTypeRaw {
		return nil, fmt.Errorf("synth: link type %v not supported", opt.Link)
	}
	var pw *pcapgo.Writer
	if opt.Nanos {
		pw = pcapgo.NewWriterNanos(w)
	} else {
		pw = pcapgo.NewWriter(w)
	}
	snap := uint32(262144)
	if opt.Snaplen > 0 {
		snap = uint32(opt.Snaplen)
	}
	if err := pw.WriteFileHeader(snap, opt.Link); err != nil {
		return nil, fmt.Errorf("synth: file header: %w", err)
	}
	return &Writer{pw: pw, opt: opt, now: opt.Start, buf: gopacket.NewSerializeBuffer()}, nil
}

// Err returns the first error any write failed with.
func (w *Writer) Err() error { return w.err }

// Packets returns the number of packets written.
func (w *Writer) Packets() int { return w.packets }

// SetVLANs replaces Options.VLANs for the frames written from now on (a
// capture where only some flows are tagged).
func (w *Writer) SetVLANs(tags ...uint16) { w.opt.VLANs = tags }

// Now returns the timestamp the next packet will get.
func (w *Writer) Now() time.Time { return w.now }

// Sleep advances the clock (idle time between packets).
func (w *Writer) Sleep(d time.Duration) {
	if d > 0 {
		w.now = w.now.Add(d)
	}
}

// WriteFrame writes frame as it is (link-layer bytes of the Writer's link
// type) at the current time.
func (w *Writer) WriteFrame(frame []byte) error {
	if w.err != nil {
		return w.err
	}
	ci := gopacket.CaptureInfo{Timestamp: w.now, CaptureLength: len(frame), Length: len(frame)}
	if w.opt.Snaplen > 0 && len(frame) > w.opt.Snaplen {
		frame = frame[:w.opt.Snaplen]
		ci.CaptureLength = len(frame)
	}
	if err := w.pw.WritePacket(ci, frame); err != nil {
		w.err = fmt.Errorf("synth: packet %d: %w", w.packets+1, err)
		return w.err
	}
	w.packets++
	w.now = w.now.Add(w.opt.Step)
	return nil
}

// WriteIP writes a raw IP packet (any bytes: options, fragments, odd
// headers), adding the link layer and the Writer's VLAN tags.
func (w *Writer) WriteIP(ip []byte) error {
	if w.err != nil {
		return w.err
	}
	if w.opt.Link == layers.LinkTypeRaw {
		return w.WriteFrame(ip)
	}
	if err := w.buf.Clear(); err != nil {
		return w.fail(err)
	}
	b, err := w.buf.PrependBytes(len(ip))
	if err != nil {
		return w.fail(err)
	}
	copy(b, ip)
	var src, dst netip.Addr
	et := layers.EthernetTypeIPv4
	if len(ip) > 0 && ip[0]>>4 == 6 {
		et = layers.EthernetTypeIPv6
		if len(ip) >= 40 {
			src, dst = netip.AddrFrom16([16]byte(ip[8:24])), netip.AddrFrom16([16]byte(ip[24:40]))
		}
	} else if len(ip) >= 20 {
		src, dst = netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
	}
	if err := w.prependLink(src, dst, et); err != nil {
		return w.fail(err)
	}
	return w.WriteFrame(w.buf.Bytes())
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = fmt.Errorf("synth: packet %d: %w", w.packets+1, err)
	}
	return w.err
}

// prependLink adds Ethernet and VLAN headers in front of what is in w.buf.
func (w *Writer) prependLink(src, dst netip.Addr, et layers.EthernetType) error {
	if w.opt.Link == layers.LinkTypeRaw {
		return nil
	}
	opts := gopacket.SerializeOptions{}
	for i := len(w.opt.VLANs) - 1; i >= 0; i-- {
		q := &layers.Dot1Q{VLANIdentifier: w.opt.VLANs[i] & 0xFFF, Type: et}
		if err := q.SerializeTo(w.buf, opts); err != nil {
			return err
		}
		et = layers.EthernetTypeDot1Q
		if len(w.opt.VLANs) > 1 && i == 1 {
			et = layers.EthernetTypeQinQ
		}
	}
	eth := &layers.Ethernet{SrcMAC: mac(src), DstMAC: mac(dst), EthernetType: et}
	return eth.SerializeTo(w.buf, opts)
}

// mac derives a stable locally administered MAC address from an IP address.
func mac(a netip.Addr) net.HardwareAddr {
	h := fnv.New32a()
	b := a.As16()
	h.Write(b[:])
	s := h.Sum32()
	return net.HardwareAddr{0x02, 0x00, byte(s >> 24), byte(s >> 16), byte(s >> 8), byte(s)}
}

// ipLayer returns the network layer for a packet from src to dst.
func (w *Writer) ipLayer(src, dst netip.Addr, proto layers.IPProtocol) (gopacket.SerializableLayer, gopacket.NetworkLayer, layers.EthernetType, error) {
	if src.Is4() != dst.Is4() {
		return nil, nil, 0, fmt.Errorf("address families differ: %v, %v", src, dst)
	}
	if src.Is4() {
		w.ipID++
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: w.ipID, Flags: layers.IPv4DontFragment,
			Protocol: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		return ip, ip, layers.EthernetTypeIPv4, nil
	}
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	return ip, ip, layers.EthernetTypeIPv6, nil
}

// UDP writes one UDP datagram.
func (w *Writer) UDP(src, dst netip.AddrPort, payload []byte) error {
	if w.err != nil {
		return w.err
	}
	ipl, nl, et, err := w.ipLayer(src.Addr(), dst.Addr(), layers.IPProtocolUDP)
	if err != nil {
		return w.fail(err)
	}
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	udp.SetNetworkLayerForChecksum(nl)
	return w.write(src.Addr(), dst.Addr(), et, ipl, udp, payload)
}

func (w *Writer) write(src, dst netip.Addr, et layers.EthernetType, ipl, tl gopacket.SerializableLayer, payload []byte) error {
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(w.buf, opts, ipl, tl, gopacket.Payload(payload)); err != nil {
		return w.fail(err)
	}
	if err := w.prependLink(src, dst, et); err != nil {
		return w.fail(err)
	}
	return w.WriteFrame(w.buf.Bytes())
}
