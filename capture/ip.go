package capture

import (
	"encoding/binary"
	"net/netip"
)

const (
	protoHopByHop = 0
	protoIPIP     = 4 // IPv4 in IP
	protoTCP      = 6
	protoUDP      = 17
	protoIPv6     = 41 // IPv6 in IP
	protoRouting  = 43
	protoFragment = 44
	protoGRE      = 47
	protoESP      = 50
	protoAH       = 51
	protoNoNext   = 59
	protoDstOpts  = 60
	protoMobility = 135
	protoHIP      = 139
	protoShim6    = 140
)

// decodeIPv4 parses an IPv4 header and what it carries.
func decodeIPv4(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 20 {
		return SkipTruncatedHeader, false
	}
	if data[0]>>4 != 4 {
		return SkipBadIPHeader, false
	}
	ihl := int(data[0]&0x0F) * 4
	total := int(binary.BigEndian.Uint16(data[2:4]))
	if total == 0 {
		// TCP segmentation offload hands the capture a super-frame whose
		// total length is still unset; take what was captured.
		total = len(data)
	}
	if ihl < 20 || total < ihl {
		return SkipBadIPHeader, false
	}
	if len(data) < ihl {
		return SkipTruncatedHeader, false
	}
	if len(data) > total {
		data = data[:total] // Ethernet padding, trailers, FCS
	}
	note := SkipNone
	frag := binary.BigEndian.Uint16(data[6:8])
	if frag&0x1FFF != 0 {
		return SkipIPFragment, false
	}
	if frag&0x2000 != 0 {
		note = FirstFragment
	}
	p.Src = netip.AddrFrom4([4]byte(data[12:16]))
	p.Dst = netip.AddrFrom4([4]byte(data[16:20]))
	proto := data[9]
	data = data[ihl:]
	payloadLen := total - ihl
	if proto == protoAH {
		if len(data) < 8 {
			return SkipTruncatedHeader, false
		}
		n := (int(data[1]) + 2) * 4
		if n > payloadLen {
			return SkipBadIPHeader, false
		}
		if len(data) < n {
			return SkipTruncatedHeader, false
		}
		proto = data[0]
		data = data[n:]
		payloadLen -= n
	}
	return decodeTransport(proto, data, payloadLen, note, p, depth)
}

// decodeIPv6 parses an IPv6 header, its extension headers and what they carry.
func decodeIPv6(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 40 {
		return SkipTruncatedHeader, false
	}
	if data[0]>>4 != 6 {
		return SkipBadIPHeader, false
	}
	payloadLen := int(binary.BigEndian.Uint16(data[4:6]))
	next := data[6]
	p.Src = netip.AddrFrom16([16]byte(data[8:24]))
	p.Dst = netip.AddrFrom16([16]byte(data[24:40]))
	data = data[40:]
	if payloadLen == 0 {
		// Jumbogram or offloaded super-frame: the length is not in this
		// header; take what was captured.
		payloadLen = len(data)
	}
	if len(data) > payloadLen {
		data = data[:payloadLen]
	}
	note := SkipNone
	for {
		var n int
		switch next {
		case protoTCP, protoUDP, protoIPIP, protoIPv6, protoGRE:
			return decodeTransport(next, data, payloadLen, note, p, depth)
		case protoHopByHop, protoRouting, protoDstOpts, protoMobility, protoHIP, protoShim6:
			if len(data) < 8 {
				return truncOrBad(payloadLen, 8)
			}
			n = (int(data[1]) + 1) * 8
		case protoAH:
			if len(data) < 8 {
				return truncOrBad(payloadLen, 8)
			}
			n = (int(data[1]) + 2) * 4
		case protoFragment:
			if len(data) < 8 {
				return truncOrBad(payloadLen, 8)
			}
			off := binary.BigEndian.Uint16(data[2:4])
			if off&0xFFF8 != 0 {
				return SkipIPFragment, false
			}
			if off&1 != 0 {
				note = FirstFragment
			}
			n = 8
		case protoESP:
			return SkipESP, false
		default:
			return SkipOtherTransport, false
		}
		if n > payloadLen {
			return SkipBadIPHeader, false
		}
		if n > len(data) {
			return SkipTruncatedHeader, false
		}
		next = data[0]
		data = data[n:]
		payloadLen -= n
	}
}

// truncOrBad tells a header cut by the snap length from one the IP length
// says cannot be there.
func truncOrBad(announced, need int) (SkipReason, bool) {
	if announced < need {
		return SkipBadIPHeader, false
	}
	return SkipTruncatedHeader, false
}

// decodeTransport parses TCP or UDP, or unwraps the tunnel an IP header
// announces. data is the captured part of the IP payload (already trimmed to
// the announced length), payloadLen the length the IP header announces.
func decodeTransport(proto uint8, data []byte, payloadLen int, note SkipReason, p *Packet, depth int) (SkipReason, bool) {
	switch proto {
	case protoIPIP, protoIPv6, protoGRE:
		if depth >= maxEncap {
			return SkipTooDeep, false
		}
		p.VLAN = 0
		var r SkipReason
		var ok bool
		switch proto {
		case protoIPIP:
			r, ok = decodeIPv4(data, p, depth+1)
		case protoIPv6:
			r, ok = decodeIPv6(data, p, depth+1)
		default:
			r, ok = decodeGRE(data, p, depth+1)
		}
		if ok && note == FirstFragment {
			r = FirstFragment // the outer datagram is cut: so is the inner one
		}
		return r, ok
	case protoTCP:
		if payloadLen < 20 {
			return SkipBadTCPHeader, false
		}
		if len(data) < 20 {
			return SkipTruncatedHeader, false
		}
		off := int(data[12]>>4) * 4
		if off < 20 || off > payloadLen {
			return SkipBadTCPHeader, false
		}
		if len(data) < off {
			return SkipTruncatedHeader, false
		}
		p.Transport = TCP
		p.SrcPort = binary.BigEndian.Uint16(data[0:2])
		p.DstPort = binary.BigEndian.Uint16(data[2:4])
		p.Seq = binary.BigEndian.Uint32(data[4:8])
		p.Ack = binary.BigEndian.Uint32(data[8:12])
		p.TCPFlags = data[13]
		p.IPPayloadLen = payloadLen
		p.Payload = data[off:]
		p.Truncated = len(data) < payloadLen
		p.DataLen = payloadLen - off
		return note, true
	case protoUDP:
		if payloadLen < 8 {
			return SkipBadUDPHeader, false
		}
		if len(data) < 8 {
			return SkipTruncatedHeader, false
		}
		ul := int(binary.BigEndian.Uint16(data[4:6]))
		if ul != 0 && ul < 8 { // 0 is allowed: IPv6 jumbograms
			return SkipBadUDPHeader, false
		}
		p.Transport = UDP
		p.SrcPort = binary.BigEndian.Uint16(data[0:2])
		p.DstPort = binary.BigEndian.Uint16(data[2:4])
		p.Seq, p.Ack, p.TCPFlags = 0, 0, 0
		p.IPPayloadLen = payloadLen
		p.Payload = data[8:]
		p.Truncated = len(data) < payloadLen
		p.DataLen = payloadLen - 8
		if ul >= 8 && ul < payloadLen && note == SkipNone {
			// IP padding beyond the datagram (never trim a first fragment:
			// its UDP length covers the whole datagram).
			if ul-8 < len(p.Payload) {
				p.Payload = p.Payload[:ul-8]
			}
			p.DataLen = ul - 8
			p.Truncated = len(data) < ul
		}
		if r, ok, tunnel := decodeUDPTunnel(p, note, depth); tunnel {
			return r, ok
		}
		return note, true
	case protoESP:
		return SkipESP, false
	}
	return SkipOtherTransport, false
}
