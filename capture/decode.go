package capture

import (
	"encoding/binary"
)

const (
	etherTypeIPv4      = 0x0800
	etherTypeARP       = 0x0806
	etherTypeRARP      = 0x8035 // also Cisco SLARP inside Cisco HDLC
	etherTypeIPv6      = 0x86DD
	etherTypeVLAN      = 0x8100 // 802.1Q
	etherTypeQinQ      = 0x88A8 // 802.1ad service tag
	etherTypeQinQ1     = 0x9100 // pre-standard QinQ
	etherTypeQinQ2     = 0x9200
	etherTypeMPLS      = 0x8847
	etherTypeMPLSMcast = 0x8848
	etherTypePPPoEDisc = 0x8863
	etherTypePPPoE     = 0x8864 // PPPoE session stage
	etherTypeTEB       = 0x6558 // transparent Ethernet bridging (GRE, Geneve)
	etherTypeERSPAN2   = 0x88BE // ERSPAN type II (type I without the S bit)
	etherTypeERSPAN3   = 0x22EB
	etherTypePPP       = 0x880B // PPP inside enhanced GRE (PPTP)

	// llcSNAP is the 802.2 LLC SNAP header (DSAP, SSAP, control).
	llcSNAP = 0xAAAA03
)

// maxEncap bounds how many encapsulations (tunnels, pseudowires, PPI) one
// packet may nest, so that a crafted packet cannot make the decoder recurse
// for long; deeper packets are skipped as SkipTooDeep.
const maxEncap = 4

// Decode parses the link, IP and TCP/UDP headers of one captured frame into
// p, unwrapping VLAN tags, MPLS, PPP, PPPoE and tunnels (IP-in-IP, GRE,
// ERSPAN, VXLAN, Geneve) on the way: the innermost TCP or UDP packet is the
// one returned. On success it returns (SkipNone, true), or (FirstFragment,
// true) for the first fragment of a fragmented datagram; otherwise it returns
// the reason the frame is skipped and false, and p is left partly written.
// Payload aliases data. Decode never allocates and never panics.
func Decode(link LinkType, data []byte, p *Packet) (SkipReason, bool) {
	p.VLAN = 0
	return decodeLink(link, data, p, 0)
}

// decodeLink dispatches on the link type; depth counts the encapsulations
// already unwrapped.
func decodeLink(link LinkType, data []byte, p *Packet, depth int) (SkipReason, bool) {
	switch link {
	case LinkEthernet:
		return decodeEthernet(data, p, depth)
	case LinkLinuxSLL:
		if len(data) < 16 {
			return SkipTruncatedHeader, false
		}
		return decodeSLLProto(binary.BigEndian.Uint16(data[14:16]), data[16:], p, depth)
	case LinkLinuxSLL2:
		if len(data) < 20 {
			return SkipTruncatedHeader, false
		}
		return decodeSLLProto(binary.BigEndian.Uint16(data[0:2]), data[20:], p, depth)
	case LinkRaw, LinkRawDLT12, LinkRawDLT14:
		return decodeRawIP(data, p, depth)
	case LinkIPv4:
		return decodeIPv4(data, p, depth)
	case LinkIPv6:
		return decodeIPv6(data, p, depth)
	case LinkNull, LinkLoop:
		return decodeNull(link, data, p, depth)
	case LinkPPP:
		return decodePPP(data, p, depth)
	case LinkPPPHDLC:
		// PPP in HDLC-like framing, or Cisco HDLC framing (first byte
		// 0x0F or 0x8F) as libpcap documents for this type.
		if len(data) > 0 && (data[0] == 0x0F || data[0] == 0x8F) {
			return decodeCHDLC(data, p, depth)
		}
		return decodePPP(data, p, depth)
	case LinkPPPWithDir:
		if len(data) < 1 {
			return SkipTruncatedHeader, false
		}
		return decodePPP(data[1:], p, depth)
	case LinkPPPoE:
		return decodePPPoE(data, p, depth)
	case LinkCHDLC:
		return decodeCHDLC(data, p, depth)
	case LinkCHDLCWithDir:
		if len(data) < 1 {
			return SkipTruncatedHeader, false
		}
		return decodeCHDLC(data[1:], p, depth)
	case LinkNFLOG:
		return decodeNFLOG(data, p, depth)
	case LinkIEEE80211:
		return decode80211(data, p, depth, false)
	case LinkRadiotap:
		return decodeRadiotap(data, p, depth)
	case LinkPPI:
		return decodePPI(data, p, depth)
	case LinkATMRFC1483:
		return decodeLLC(data, p, depth)
	}
	return SkipUnsupportedLink, false
}

func decodeRawIP(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 1 {
		return SkipTruncatedHeader, false
	}
	switch data[0] >> 4 {
	case 4:
		return decodeIPv4(data, p, depth)
	case 6:
		return decodeIPv6(data, p, depth)
	}
	return SkipBadIPHeader, false
}

func decodeNull(link LinkType, data []byte, p *Packet, depth int) (SkipReason, bool) {
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
		return decodeIPv4(data[4:], p, depth)
	case 10, 24, 28, 30: // AF_INET6: Linux, NetBSD/OpenBSD, FreeBSD, macOS
		return decodeIPv6(data[4:], p, depth)
	}
	return SkipNonIP, false
}

// decodeSLLProto handles the protocol field of a Linux cooked header: an
// EtherType, or 0x0004 for frames that carry an 802.2 LLC header.
func decodeSLLProto(proto uint16, data []byte, p *Packet, depth int) (SkipReason, bool) {
	if proto == 0x0004 {
		return decodeLLC(data, p, depth)
	}
	return decodeEtherType(proto, data, p, depth)
}

// decodeEthernet parses an Ethernet II or 802.3 (LLC) frame.
func decodeEthernet(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 14 {
		return SkipTruncatedHeader, false
	}
	et := binary.BigEndian.Uint16(data[12:14])
	if et < 0x0600 {
		// 802.3: a length, and an LLC header follows.
		return decodeLLC(data[14:], p, depth)
	}
	return decodeEtherType(et, data[14:], p, depth)
}

// decodeLLC parses an 802.2 LLC header; only SNAP with an EtherType
// (RFC 1042, or 802.1H bridge tunnel) carries IP.
func decodeLLC(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 3 {
		return SkipTruncatedHeader, false
	}
	if uint32(data[0])<<16|uint32(data[1])<<8|uint32(data[2]) != llcSNAP {
		return SkipNonIP, false
	}
	if len(data) < 8 {
		return SkipTruncatedHeader, false
	}
	if data[3] != 0 || data[4] != 0 || (data[5] != 0 && data[5] != 0xF8) {
		return SkipNonIP, false // an organisation's own protocol
	}
	return decodeEtherType(binary.BigEndian.Uint16(data[6:8]), data[8:], p, depth)
}

// decodeEtherType dispatches on an EtherType, unwrapping VLAN tags (each a
// 2-byte TCI followed by the inner EtherType). The first nonzero VLAN ID (the
// outer tag; zero is a priority tag) goes into p.VLAN.
func decodeEtherType(et uint16, data []byte, p *Packet, depth int) (SkipReason, bool) {
	for et == etherTypeVLAN || et == etherTypeQinQ || et == etherTypeQinQ1 || et == etherTypeQinQ2 {
		if len(data) < 4 {
			return SkipTruncatedHeader, false
		}
		if p.VLAN == 0 {
			p.VLAN = binary.BigEndian.Uint16(data[0:2]) & 0x0FFF
		}
		et = binary.BigEndian.Uint16(data[2:4])
		data = data[4:]
	}
	switch et {
	case etherTypeIPv4:
		return decodeIPv4(data, p, depth)
	case etherTypeIPv6:
		return decodeIPv6(data, p, depth)
	case etherTypeARP, etherTypeRARP:
		return SkipARP, false
	case etherTypeMPLS, etherTypeMPLSMcast:
		return decodeMPLS(data, p, depth)
	case etherTypePPPoE:
		return decodePPPoE(data, p, depth)
	}
	return SkipNonIP, false
}
