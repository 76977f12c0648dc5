package capture

import (
	"encoding/binary"
	"net/netip"
)

const (
	etherTypeIPv4  = 0x0800
	etherTypeARP   = 0x0806
	etherTypeRARP  = 0x8035
	etherTypeIPv6  = 0x86DD
	etherTypeVLAN  = 0x8100 // 802.1Q
	etherTypeQinQ  = 0x88A8 // 802.1ad service tag
	etherTypeQinQ1 = 0x9100 // pre-standard QinQ
	etherTypeQinQ2 = 0x9200

	protoHopByHop = 0
	protoTCP      = 6
	protoUDP      = 17
	protoRouting  = 43
	protoFragment = 44
	protoESP      = 50
	protoAH       = 51
	protoNoNext   = 59
	protoDstOpts  = 60
	protoMobility = 135
	protoHIP      = 139
	protoShim6    = 140
)

// Decode parses the link, IP and TCP/UDP headers of one captured frame into
// p. On success it returns (SkipNone, true), or (FirstFragment, true) for the
// first fragment of a fragmented datagram; otherwise it returns the reason the
// frame is skipped and false, and p is left partly written. Payload aliases
// data. Decode never allocates and never panics.
func Decode(link LinkType, data []byte, p *Packet) (SkipReason, bool) {
	switch link {
	case LinkEthernet:
		if len(data) < 14 {
			return SkipTruncatedHeader, false
		}
		return decodeEtherType(binary.BigEndian.Uint16(data[12:14]), data[14:], p)
	case LinkLinuxSLL:
		if len(data) < 16 {
			return SkipTruncatedHeader, false
		}
		return decodeEtherType(binary.BigEndian.Uint16(data[14:16]), data[16:], p)
	case LinkLinuxSLL2:
		if len(data) < 20 {
			return SkipTruncatedHeader, false
		}
		return decodeEtherType(binary.BigEndian.Uint16(data[0:2]), data[20:], p)
	case LinkRaw, LinkRawDLT12, LinkRawDLT14:
		if len(data) < 1 {
			return SkipTruncatedHeader, false
		}
		switch data[0] >> 4 {
		case 4:
			return decodeIPv4(data, p)
		case 6:
			return decodeIPv6(data, p)
		}
		return SkipBadIPHeader, false
	case LinkIPv4:
		return decodeIPv4(data, p)
	case LinkIPv6:
		return decodeIPv6(data, p)
	case LinkNull, LinkLoop:
		if len(data) < 4 {
			return SkipTruncatedHeader, false
		}
		var fam uint32
		if link == LinkLoop {
			fam = binary.BigEndian.Uint32(data)
		} else {
			// The family is in the capturing host's byte order, which the
			// file does not record; a family is small, so whichever order
			// gives a value below 2^16 is the right one.
			fam = binary.LittleEndian.Uint32(data)
			if fam > 0xFFFF {
				fam = binary.BigEndian.Uint32(data)
			}
		}
		switch fam {
		case 2: // AF_INET everywhere
			return decodeIPv4(data[4:], p)
		case 10, 24, 28, 30: // AF_INET6: Linux, NetBSD/OpenBSD, FreeBSD, macOS
			return decodeIPv6(data[4:], p)
		}
		return SkipNonIP, false
	}
	return SkipUnsupportedLink, false
}

// decodeEtherType dispatches on an EtherType, unwrapping VLAN tags (each a
// 2-byte TCI followed by the inner EtherType).
func decodeEtherType(et uint16, data []byte, p *Packet) (SkipReason, bool) {
	for et == etherTypeVLAN || et == etherTypeQinQ || et == etherTypeQinQ1 || et == etherTypeQinQ2 {
		if len(data) < 4 {
			return SkipTruncatedHeader, false
		}
		et = binary.BigEndian.Uint16(data[2:4])
		data = data[4:]
	}
	switch et {
	case etherTypeIPv4:
		return decodeIPv4(data, p)
	case etherTypeIPv6:
		return decodeIPv6(data, p)
	case etherTypeARP, etherTypeRARP:
		return SkipARP, false
	}
	return SkipNonIP, false
}

func decodeIPv4(data []byte, p *Packet) (SkipReason, bool) {
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
	return decodeTransport(proto, data, payloadLen, note, p)
}

func decodeIPv6(data []byte, p *Packet) (SkipReason, bool) {
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
		case protoTCP, protoUDP:
			return decodeTransport(next, data, payloadLen, note, p)
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

// decodeTransport parses TCP or UDP. data is the captured part of the IP
// payload (already trimmed to the announced length), payloadLen the length
// the IP header announces.
func decodeTransport(proto uint8, data []byte, payloadLen int, note SkipReason, p *Packet) (SkipReason, bool) {
	switch proto {
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
		if ul >= 8 && ul < payloadLen && note == SkipNone {
			// IP padding beyond the datagram (never trim a first fragment:
			// its UDP length covers the whole datagram).
			if ul-8 < len(p.Payload) {
				p.Payload = p.Payload[:ul-8]
			}
			p.Truncated = len(data) < ul
		}
		return note, true
	case protoESP:
		return SkipESP, false
	}
	return SkipOtherTransport, false
}
