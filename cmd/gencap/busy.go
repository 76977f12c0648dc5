package main

import (
	"fmt"
	"net/netip"

	"github.com/ibmitap/ibmitap/capture/synth"
)

// busyOptions shape a capture like a busy SPAN port: many TCP connections
// open at once and interleaved packet by packet, some IPv6, some VLAN-tagged,
// most carrying bytes no detector knows.
type busyOptions struct {
	flows   int     // connections open at any time
	burst   int     // packets a connection writes per turn (1 = fully interleaved)
	ipv6    float64 // share of IPv6 connections
	vlan    float64 // share of VLAN-tagged connections
	unknown float64 // share of connections whose payload no detector recognises
	synOnly bool    // a SYN flood: every connection is one SYN from a new source
}

// bconn is one connection of the busy shape and the packets it still has
// to write.
type bconn struct {
	c       *synth.Conn
	vlan    uint16 // 0 = untagged
	stage   int    // 0 SYN, 1 SYN/ACK, 2 ACK, 3 messages, 4 FIN, 5 FIN, 6 ACK, 7 done
	msgs    []bmsg
	pending []synth.Segment
	ackFrom int // -1 none, else the side whose ACK follows the pending segments
}

type bmsg struct {
	side synth.Side
	data []byte
}

// busy writes n packets in the busy-port shape.
func (g *gen) busy(o busyOptions) {
	if o.synOnly {
		g.synFlood()
		return
	}
	o.flows = max(o.flows, 1)
	o.burst = max(o.burst, 1)
	open := make([]*bconn, 0, o.flows)
	for len(open) < o.flows && g.left() > 0 {
		open = append(open, g.newBusy(o))
	}
	for g.left() > 0 && g.w.Err() == nil {
		i := g.rnd.IntN(len(open))
		b := open[i]
		for range o.burst {
			if g.left() == 0 || !g.step(b) {
				break
			}
		}
		if b.stage == 7 {
			open[i] = g.newBusy(o)
		}
	}
	g.w.SetVLANs()
}

// synFlood writes one SYN per packet, each from another source endpoint,
// to a handful of servers.
func (g *gen) synFlood() {
	for i := 0; g.left() > 0 && g.w.Err() == nil; i++ {
		cl := netip.AddrPortFrom(netip.AddrFrom4([4]byte{172, 16 + byte(i>>24&0x0F), byte(i >> 16), byte(i >> 8)}), 1024+uint16(i&0xFF)*200+uint16(g.rnd.IntN(200)))
		c := g.w.TCP(cl, netip.AddrPortFrom(ibmi4[i%len(ibmi4)], []uint16{8476, 8471, 23, 443}[i%4]))
		c.SYN()
	}
}

func (g *gen) newBusy(o busyOptions) *bconn {
	g.ports++
	cport := 1024 + g.ports%60000
	var cl, sv netip.Addr
	if g.rnd.Float64() < o.ipv6 {
		cl = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 3, 12: byte(g.rnd.IntN(16)), 13: byte(g.rnd.IntN(256)), 14: byte(g.rnd.IntN(256)), 15: byte(g.rnd.IntN(256))})
		sv = ibmi6[g.rnd.IntN(len(ibmi6))]
	} else {
		cl = netip.AddrFrom4([4]byte{10, 30 + byte(g.rnd.IntN(16)), byte(g.rnd.IntN(256)), byte(1 + g.rnd.IntN(250))})
		sv = ibmi4[g.rnd.IntN(len(ibmi4))]
	}
	b := &bconn{ackFrom: -1}
	if g.rnd.Float64() < o.vlan {
		b.vlan = uint16(100 + g.rnd.IntN(8))
	}
	var port uint16
	if g.rnd.Float64() < o.unknown {
		// Unrecognisable: random bytes both ways on a port of no service.
		port = uint16(20000 + g.rnd.IntN(20000))
		for range 1 + g.rnd.IntN(6) {
			b.msgs = append(b.msgs, bmsg{synth.Client, g.bytes(50 + g.rnd.IntN(1500))},
				bmsg{synth.Server, g.bytes(100 + g.rnd.IntN(6000))})
		}
	} else {
		switch g.rnd.IntN(3) {
		case 0:
			port = []uint16{9471, 9476, 992, 443}[g.rnd.IntN(4)]
			b.msgs = append(b.msgs, bmsg{synth.Client, synth.ClientHello("ibmi.example.com", g.rnd.Uint64())},
				bmsg{synth.Server, synth.ServerHello(g.rnd.Uint64())})
			for range 1 + g.rnd.IntN(4) {
				b.msgs = append(b.msgs, bmsg{synth.Client, synth.AppData(50+g.rnd.IntN(400), g.rnd.Uint64())},
					bmsg{synth.Server, synth.AppData(100+g.rnd.IntN(6000), g.rnd.Uint64())})
			}
		case 1:
			port = 80
			body := g.bytes(200 + g.rnd.IntN(8000))
			hdr := fmt.Sprintf("HTTP/1.1 200 OK\r\nServer: Apache\r\nContent-Length: %d\r\n\r\n", len(body))
			b.msgs = append(b.msgs, bmsg{synth.Client, []byte("GET /index.html HTTP/1.1\r\nHost: ibmi.example.com\r\nAccept: */*\r\n\r\n")},
				bmsg{synth.Server, append([]byte(hdr), body...)})
		default:
			port = 21
			for _, l := range []string{"220 QTCP at ibmi.example.com.\r\n", "USER MYUSER\r\n", "331 Enter password.\r\n", "PASS FAKEPW1\r\n", "230 MYUSER logged on.\r\n", "QUIT\r\n", "221 QUIT subcommand received.\r\n"} {
				side := synth.Client
				if l[0] >= '0' && l[0] <= '9' {
					side = synth.Server
				}
				b.msgs = append(b.msgs, bmsg{side, []byte(l)})
			}
		}
	}
	b.c = g.w.TCP(netip.AddrPortFrom(cl, cport), netip.AddrPortFrom(sv, port))
	return b
}

// step writes the next packet of b and reports whether it wrote one.
func (g *gen) step(b *bconn) bool {
	if b.vlan != 0 {
		g.w.SetVLANs(b.vlan)
	} else {
		g.w.SetVLANs()
	}
	c := b.c
	switch {
	case len(b.pending) > 0:
		c.Emit(b.pending[0])
		b.pending = b.pending[1:]
		return true
	case b.ackFrom >= 0:
		c.Ack(synth.Side(b.ackFrom))
		b.ackFrom = -1
		return true
	}
	switch b.stage {
	case 0:
		c.SYN()
	case 1:
		c.SYNACK()
	case 2:
		c.Ack(synth.Client)
	case 3:
		if len(b.msgs) == 0 {
			b.stage++
			return g.step(b)
		}
		m := b.msgs[0]
		b.msgs = b.msgs[1:]
		b.pending = c.Segments(m.side, m.data, 1448)
		b.ackFrom = int(1 - m.side)
		return g.step(b)
	case 4:
		c.FIN(synth.Client)
	case 5:
		c.FIN(synth.Server)
	case 6:
		c.Ack(synth.Client)
	default:
		return false
	}
	b.stage++
	return true
}
