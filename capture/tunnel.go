package capture

import "encoding/binary"

// Tunnels and label stacks: MPLS, GRE (with ERSPAN and PPTP's enhanced GRE),
// VXLAN and Geneve. A remote SPAN session or a cloud traffic mirror delivers
// the monitored traffic this way; the inner packet is the one decoded, and
// the outer one never becomes a flow. Each tunnel entered counts against
// maxEncap. Entering a tunnel forgets the outer VLAN: the VLAN that keys a
// flow is the one of the traffic inside.

// UDP ports of the UDP tunnels.
const (
	portVXLAN      = 4789 // IANA
	portVXLANLinux = 8472 // Linux's default when no port is configured
	portGeneve     = 6081
)

// decodeUDPTunnel unwraps VXLAN or Geneve from a decoded UDP packet p, when
// its destination port and header say so. tunnel is false when p is an
// ordinary datagram and stays as it is.
func decodeUDPTunnel(p *Packet, note SkipReason, depth int) (r SkipReason, ok, tunnel bool) {
	b := p.Payload
	var inner []byte
	var et uint16
	switch p.DstPort {
	case portVXLAN, portVXLANLinux:
		// Flags with the I bit (VNI valid); the reserved bytes are left
		// unchecked (group policy and other extensions use them).
		if len(b) < 8 || b[0]&0x08 == 0 {
			return 0, false, false
		}
		inner, et = b[8:], etherTypeTEB
	case portGeneve:
		if len(b) < 8 || b[0]>>6 != 0 {
			return 0, false, false // version 0 only
		}
		n := 8 + int(b[0]&0x3F)*4 // options
		if len(b) < n {
			return 0, false, false
		}
		inner, et = b[n:], binary.BigEndian.Uint16(b[2:4])
	default:
		return 0, false, false
	}
	if depth >= maxEncap {
		return SkipTooDeep, false, true
	}
	p.VLAN = 0
	if et == etherTypeTEB {
		r, ok = decodeEthernet(inner, p, depth+1)
	} else {
		r, ok = decodeEtherType(et, inner, p, depth+1)
	}
	if ok && note == FirstFragment {
		r = FirstFragment
	}
	return r, ok, true
}

// GRE flag bits (first 16 bits of the header).
const (
	greChecksum = 0x8000
	greRouting  = 0x4000
	greKey      = 0x2000
	greSeq      = 0x1000
	greAck      = 0x0080 // enhanced GRE (version 1)
)

// decodeGRE parses a GRE header (RFC 2784/2890; version 1 is PPTP's
// enhanced GRE, RFC 2637) and what it carries.
func decodeGRE(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 4 {
		return SkipTruncatedHeader, false
	}
	flags := binary.BigEndian.Uint16(data[0:2])
	proto := binary.BigEndian.Uint16(data[2:4])
	n := 4
	switch flags & 0x07 {
	case 0:
		if flags&greRouting != 0 {
			return SkipBadTunnelHeader, false // RFC 1701 source routing: obsolete
		}
		if flags&greChecksum != 0 {
			n += 4
		}
		if flags&greKey != 0 {
			n += 4
		}
		if flags&greSeq != 0 {
			n += 4
		}
	case 1:
		if proto != etherTypePPP || flags&greKey == 0 {
			return SkipBadTunnelHeader, false
		}
		n += 4 // payload length and call ID
		if flags&greSeq != 0 {
			n += 4
		}
		if flags&greAck != 0 {
			n += 4
		}
	default:
		return SkipBadTunnelHeader, false
	}
	if len(data) < n {
		return SkipTruncatedHeader, false
	}
	data = data[n:]
	switch proto {
	case etherTypeTEB:
		return decodeEthernet(data, p, depth)
	case etherTypeERSPAN2:
		if flags&greSeq == 0 {
			return decodeEthernet(data, p, depth) // type I: no ERSPAN header
		}
		return decodeERSPAN2(data, p, depth)
	case etherTypeERSPAN3:
		return decodeERSPAN3(data, p, depth)
	case etherTypePPP:
		return decodePPP(data, p, depth)
	}
	return decodeEtherType(proto, data, p, depth)
}

// decodeERSPAN2 parses the 8-byte ERSPAN type II header. Its VLAN field is
// the mirrored frame's VLAN (the frame itself may have lost its tag).
func decodeERSPAN2(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 8 {
		return SkipTruncatedHeader, false
	}
	if data[0]>>4 != 1 {
		return SkipBadTunnelHeader, false
	}
	p.VLAN = binary.BigEndian.Uint16(data[0:2]) & 0x0FFF
	return decodeEthernet(data[8:], p, depth)
}

// decodeERSPAN3 parses the 12-byte ERSPAN type III header, the optional
// 8-byte platform-specific subheader (O bit), and an Ethernet frame or (frame
// type 2) an IP packet.
func decodeERSPAN3(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 12 {
		return SkipTruncatedHeader, false
	}
	if data[0]>>4 != 2 {
		return SkipBadTunnelHeader, false
	}
	p.VLAN = binary.BigEndian.Uint16(data[0:2]) & 0x0FFF
	ft := (data[10] >> 2) & 0x1F
	n := 12
	if data[11]&0x01 != 0 {
		n += 8
	}
	if len(data) < n {
		return SkipTruncatedHeader, false
	}
	switch ft {
	case 0:
		return decodeEthernet(data[n:], p, depth)
	case 2:
		return decodeRawIP(data[n:], p, depth)
	}
	return SkipBadTunnelHeader, false
}

// decodeMPLS skips an MPLS label stack. What follows the bottom label is not
// announced: IPv4 or IPv6 by its first nibble (the common guess), else an
// Ethernet pseudowire, with a control word (first nibble 0) when the
// EtherType after it makes sense and without one otherwise.
func decodeMPLS(data []byte, p *Packet, depth int) (SkipReason, bool) {
	for {
		if len(data) < 4 {
			return SkipTruncatedHeader, false
		}
		bottom := data[2]&0x01 != 0
		data = data[4:]
		if bottom {
			break
		}
	}
	if len(data) < 1 {
		return SkipTruncatedHeader, false
	}
	switch data[0] >> 4 {
	case 4:
		if data[0]&0x0F >= 5 {
			return decodeIPv4(data, p, depth)
		}
	case 6:
		return decodeIPv6(data, p, depth)
	}
	if depth >= maxEncap {
		return SkipTooDeep, false
	}
	if data[0]>>4 == 0 && len(data) >= 18 && knownEtherType(binary.BigEndian.Uint16(data[16:18])) &&
		(len(data) < 14 || !knownEtherType(binary.BigEndian.Uint16(data[12:14]))) {
		data = data[4:] // control word
	}
	p.VLAN = 0
	return decodeEthernet(data, p, depth+1)
}

// knownEtherType reports whether et is one a pseudowire's Ethernet frame is
// likely to carry.
func knownEtherType(et uint16) bool {
	switch et {
	case etherTypeIPv4, etherTypeIPv6, etherTypeVLAN, etherTypeQinQ, etherTypeARP,
		etherTypeMPLS, etherTypeMPLSMcast, etherTypePPPoE, etherTypePPPoEDisc:
		return true
	}
	return false
}
