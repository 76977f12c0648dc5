package classify

import (
	"encoding/binary"
	"net/netip"

	"github.com/ibmitap/ibmitap/capture"
)

// key identifies a flow regardless of direction: the endpoint that sorts
// lower comes first. The VLAN is part of it, so overlapping address plans
// on two VLANs stay two flows. A fixed-size comparable struct hashes without
// allocating.
type key struct {
	a, b   [16]byte
	pa, pb uint16
	vlan   uint16
	proto  uint8
}

// equal compares field by field, which the compiler inlines into a few
// word compares; == on the struct calls the runtime's memequal.
func (k *key) equal(o *key) bool {
	return k.a == o.a && k.b == o.b && k.pa == o.pa && k.pb == o.pb && k.vlan == o.vlan && k.proto == o.proto
}

// endpointLess orders endpoints by address bytes, then port. The address
// is compared as two big-endian words, which orders it as its bytes do.
func endpointLess(a [16]byte, pa uint16, b [16]byte, pb uint16) bool {
	ah, bh := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])
	if ah != bh {
		return ah < bh
	}
	al, bl := binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:])
	if al != bl {
		return al < bl
	}
	return pa < pb
}

// makeKey returns the flow key of p.
func makeKey(p *capture.Packet) key {
	s, d := p.Src.As16(), p.Dst.As16()
	if endpointLess(s, p.SrcPort, d, p.DstPort) {
		return key{a: s, b: d, pa: p.SrcPort, pb: p.DstPort, vlan: p.VLAN, proto: p.Transport}
	}
	return key{a: d, b: s, pa: p.DstPort, pb: p.SrcPort, vlan: p.VLAN, proto: p.Transport}
}

// hostKey names one listening endpoint (server address and port, on its
// VLAN) for learned per-host state: what the port mapper said about a host
// on one VLAN says nothing about the same address on another.
type hostKey struct {
	addr [16]byte
	port uint16
	vlan uint16
}

func makeHostKey(vlan uint16, a netip.Addr, port uint16) hostKey {
	return hostKey{addr: a.As16(), port: port, vlan: vlan}
}

// fromA reports whether p was sent by the a endpoint of its flow key k.
func fromA(k key, p *capture.Packet) bool {
	return p.SrcPort == k.pa && p.Src.As16() == k.a
}
