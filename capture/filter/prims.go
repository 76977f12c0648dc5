package filter

import (
	"encoding/binary"
	"net/netip"

	"golang.org/x/net/bpf"
)

// EtherTypes and IP protocol numbers the primitives test.
const (
	etherIPv4 = 0x0800
	etherARP  = 0x0806
	etherRARP = 0x8035
	etherIPv6 = 0x86DD
	etherVLAN = 0x8100
	etherQinQ = 0x88A8
	ether9100 = 0x9100

	protoTCP  = 6
	protoUDP  = 17
	protoSCTP = 132
	protoFrag = 44
)

// Linux BPF extension offsets (SKF_AD_*) for the tag the kernel removed.
const (
	extVLANTag     = bpf.ExtVLANTag
	extVLANPresent = bpf.ExtVLANTagPresent
)

// gen holds the compile state that libpcap also keeps: how far the link
// header has been pushed by vlan primitives parsed so far.
type gen struct {
	target Target
	shift  uint32 // bytes of in-band VLAN tags before the EtherType (Frames)
}

func (g *gen) etherOff() uint32 { return 12 + g.shift }
func (g *gen) netOff() uint32   { return 14 + g.shift }

func (g *gen) ether(t uint32) node { return eq(ld(g.etherOff(), 2), t) }

// v4proto: IPv4 with protocol p.
func (g *gen) v4proto(p uint32) node {
	return and(g.ether(etherIPv4), eq(ld(g.netOff()+9, 1), p))
}

// v6proto: IPv6 with next header p, directly or after one fragment header
// (libpcap's "ip6 proto").
func (g *gen) v6proto(p uint32) node {
	l := g.netOff()
	nh := ld(l+6, 1)
	return and(g.ether(etherIPv6), or(eq(nh, p), and(eq(nh, protoFrag), eq(ld(l+40, 1), p))))
}

// transport: the tcp and udp primitives.
func (g *gen) transport(p uint32) node { return or(g.v4proto(p), g.v6proto(p)) }

// portSpec is a port or portrange primitive after its qualifiers.
type portSpec struct {
	protos []uint32 // transport protocols allowed
	dir    string   // "", "src" or "dst"
	lo, hi uint32
	v4, v6 bool // address families allowed
}

func rangeTest(load []bpf.Instruction, lo, hi uint32) node {
	if lo == hi {
		return eq(load, lo)
	}
	return and(cmpNode{load: load, cond: bpf.JumpGreaterOrEqual, val: lo},
		not(cmpNode{load: load, cond: bpf.JumpGreaterThan, val: hi}))
}

func dirTest(dir string, src, dst node) node {
	switch dir {
	case "src":
		return src
	case "dst":
		return dst
	}
	return or(src, dst)
}

func (g *gen) port(s portSpec) node {
	l := g.netOff()
	var fams []node
	if s.v4 {
		var ps []node
		for _, p := range s.protos {
			ps = append(ps, eq(ld(l+9, 1), p))
		}
		// The transport header sits after the IPv4 options: X = IHL*4.
		ind := func(off uint32) []bpf.Instruction {
			return []bpf.Instruction{bpf.LoadMemShift{Off: l}, bpf.LoadIndirect{Off: l + off, Size: 2}}
		}
		noFrag := not(cmpNode{load: ld(l+6, 2), cond: bpf.JumpBitsSet, val: 0x1fff})
		ports := dirTest(s.dir, rangeTest(ind(0), s.lo, s.hi), rangeTest(ind(2), s.lo, s.hi))
		fams = append(fams, and(g.ether(etherIPv4), and(orAll(ps...), and(noFrag, ports))))
	}
	if s.v6 {
		var ps []node
		for _, p := range s.protos {
			ps = append(ps, eq(ld(l+6, 1), p))
		}
		ports := dirTest(s.dir, rangeTest(ld(l+40, 2), s.lo, s.hi), rangeTest(ld(l+42, 2), s.lo, s.hi))
		fams = append(fams, and(g.ether(etherIPv6), and(orAll(ps...), ports)))
	}
	return orAll(fams...)
}

// hostSpec is a host or net primitive after its qualifiers.
type hostSpec struct {
	pfx    netip.Prefix
	dir    string
	ipOnly bool // "ip host": no ARP/RARP
}

func words(a netip.Addr) []uint32 {
	b := a.AsSlice()
	w := make([]uint32, len(b)/4)
	for i := range w {
		w[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	return w
}

// addrTest compares the address at off with the prefix, a word at a time.
func addrTest(off uint32, pfx netip.Prefix) node {
	addr := words(pfx.Addr())
	bits := pfx.Bits()
	var n node
	for i, w := range addr {
		m := uint32(0)
		switch {
		case bits >= 32*(i+1):
			m = 0xffffffff
		case bits > 32*i:
			m = ^uint32(0) << (32 - (bits - 32*i))
		}
		if m == 0 {
			continue
		}
		c := cmpNode{load: ld(off+uint32(4*i), 4), val: w & m, cond: bpf.JumpEqual}
		if m != 0xffffffff {
			c.mask = m
		}
		if n == nil {
			n = c
		} else {
			n = and(n, c)
		}
	}
	if n == nil {
		return constNode(true)
	}
	return n
}

func (g *gen) host(s hostSpec) node {
	l := g.netOff()
	if s.pfx.Addr().Is6() {
		return and(g.ether(etherIPv6), dirTest(s.dir, addrTest(l+8, s.pfx), addrTest(l+24, s.pfx)))
	}
	n := and(g.ether(etherIPv4), dirTest(s.dir, addrTest(l+12, s.pfx), addrTest(l+16, s.pfx)))
	if s.ipOnly {
		return n
	}
	// As tcpdump: an IPv4 host is also the sender or target of ARP/RARP.
	arp := dirTest(s.dir, addrTest(l+14, s.pfx), addrTest(l+24, s.pfx))
	return or(n, and(or(g.ether(etherARP), g.ether(etherRARP)), arp))
}

// vlan tests for a tag (and its ID when id >= 0).
func (g *gen) vlan(id int) node {
	if g.target == Socket {
		n := not(eq([]bpf.Instruction{bpf.LoadExtension{Num: extVLANPresent}}, 0))
		if id >= 0 {
			n = and(n, cmpNode{load: []bpf.Instruction{bpf.LoadExtension{Num: extVLANTag}}, mask: 0x0fff, cond: bpf.JumpEqual, val: uint32(id)})
		}
		return n
	}
	n := orAll(g.ether(etherVLAN), g.ether(etherQinQ), g.ether(ether9100))
	if id >= 0 {
		n = and(n, cmpNode{load: ld(g.netOff(), 2), mask: 0x0fff, cond: bpf.JumpEqual, val: uint32(id)})
	}
	g.shift += 4
	return n
}
