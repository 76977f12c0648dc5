package synth

import (
	"hash/fnv"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// TCP flag bits for Segment.Flags (the same values as on the wire).
const (
	FIN uint8 = 0x01
	SYN uint8 = 0x02
	RST uint8 = 0x04
	PSH uint8 = 0x08
	ACK uint8 = 0x10
)

// Side names an end of a connection.
type Side uint8

// The two ends of a Conn.
const (
	Client Side = iota
	Server
)

// Conn is a TCP connection between Client and Server that tracks the next
// sequence number of each side; every segment after the SYN acknowledges
// everything the other side has sent so far.
type Conn struct {
	Client, Server netip.AddrPort
	// MSS splits Send's data into segments of at most this many bytes
	// (0: one segment per Send).
	MSS int
	// Window is the advertised window (default 65535).
	Window uint16

	w   *Writer
	isn [2]uint32
	nxt [2]uint32 // next sequence number each side will send
	syn [2]bool   // side has sent its SYN (so its peer acknowledges)
}

// Segment is one TCP segment built by Conn.Segments and written by Emit.
type Segment struct {
	From     Side
	Flags    uint8
	Seq, Ack uint32
	Payload  []byte
}

// TCP returns a connection; nothing is written until a method is called.
// Initial sequence numbers are derived from the endpoints, so captures are
// reproducible.
func (w *Writer) TCP(client, server netip.AddrPort) *Conn {
	c := &Conn{Client: client, Server: server, Window: 65535, w: w}
	h := fnv.New64a()
	cb, _ := client.MarshalBinary()
	sb, _ := server.MarshalBinary()
	h.Write(cb)
	h.Write(sb)
	s := h.Sum64()
	c.isn = [2]uint32{uint32(s), uint32(s >> 32)}
	c.nxt = c.isn
	return c
}

// ISN returns the initial sequence number of a side.
func (c *Conn) ISN(s Side) uint32 { return c.isn[s] }

// Next returns the next sequence number side s will send.
func (c *Conn) Next(s Side) uint32 { return c.nxt[s] }

func other(s Side) Side { return 1 - s }

// segment builds a segment from s carrying flags and data and advances s's
// sequence number by the data length (plus one for SYN or FIN).
func (c *Conn) segment(s Side, flags uint8, data []byte) Segment {
	seg := Segment{From: s, Flags: flags, Seq: c.nxt[s], Payload: data}
	if c.syn[other(s)] || flags&ACK != 0 {
		seg.Flags |= ACK
		seg.Ack = c.nxt[other(s)]
	}
	adv := uint32(len(data))
	if flags&(SYN|FIN) != 0 {
		adv++
	}
	if flags&SYN != 0 {
		c.syn[s] = true
	}
	c.nxt[s] += adv
	return seg
}

// Emit writes segments in the order given: emit a segment twice for a
// retransmission, or out of order for reordering.
func (c *Conn) Emit(segs ...Segment) error {
	for _, seg := range segs {
		if err := c.emit(seg); err != nil {
			return err
		}
	}
	return c.w.err
}

func (c *Conn) emit(seg Segment) error {
	w := c.w
	if w.err != nil {
		return w.err
	}
	src, dst := c.Client, c.Server
	if seg.From == Server {
		src, dst = dst, src
	}
	ipl, nl, et, err := w.ipLayer(src.Addr(), dst.Addr(), layers.IPProtocolTCP)
	if err != nil {
		return w.fail(err)
	}
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: seg.Seq, Ack: seg.Ack, Window: c.Window,
		FIN: seg.Flags&FIN != 0, SYN: seg.Flags&SYN != 0, RST: seg.Flags&RST != 0,
		PSH: seg.Flags&PSH != 0, ACK: seg.Flags&ACK != 0,
	}
	if seg.Flags&SYN != 0 {
		tcp.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xB4}}}
	}
	tcp.SetNetworkLayerForChecksum(nl)
	return w.write(src.Addr(), dst.Addr(), et, ipl, tcp, seg.Payload)
}

// SYN writes the client's SYN.
func (c *Conn) SYN() error { return c.Emit(c.segment(Client, SYN, nil)) }

// SYNACK writes the server's SYN/ACK.
func (c *Conn) SYNACK() error { return c.Emit(c.segment(Server, SYN|ACK, nil)) }

// Handshake writes SYN, SYN/ACK and the client's ACK.
func (c *Conn) Handshake() error {
	c.SYN()
	c.SYNACK()
	return c.Ack(Client)
}

// Ack writes a bare ACK from s.
func (c *Conn) Ack(s Side) error { return c.Emit(c.segment(s, ACK, nil)) }

// Segments builds (without writing) the segments carrying data from s, at
// most mss bytes each (0: one segment), advancing the sequence numbers as if
// they had been sent. The last segment has PSH set.
func (c *Conn) Segments(s Side, data []byte, mss int) []Segment {
	if mss <= 0 || mss > len(data) {
		mss = len(data)
	}
	var segs []Segment
	for len(data) > 0 || len(segs) == 0 {
		n := min(mss, len(data))
		flags := ACK
		if n == len(data) {
			flags |= PSH
		}
		segs = append(segs, c.segment(s, flags, data[:n]))
		data = data[n:]
	}
	return segs
}

// Send writes data from s, split at c.MSS.
func (c *Conn) Send(s Side, data []byte) error {
	return c.Emit(c.Segments(s, data, c.MSS)...)
}

// Exchange writes data from s followed by the peer's ACK.
func (c *Conn) Exchange(s Side, data []byte) error {
	c.Send(s, data)
	return c.Ack(other(s))
}

// FIN writes a FIN/ACK from s.
func (c *Conn) FIN(s Side) error { return c.Emit(c.segment(s, FIN|ACK, nil)) }

// Close writes the usual four-way close started by the client: FIN, ACK,
// FIN, ACK (as three packets: the server's ACK and FIN are combined).
func (c *Conn) Close() error {
	c.FIN(Client)
	c.FIN(Server)
	return c.Ack(Client)
}

// RST writes a reset from s.
func (c *Conn) RST(s Side) error { return c.Emit(c.segment(s, RST|ACK, nil)) }
