package capture

import "encoding/binary"

// Link layers beyond Ethernet: PPP and PPPoE, Cisco HDLC, Linux NFLOG and
// 802.11 (plain, radiotap, PPI). Each takes the frame and hands what it
// carries to the shared EtherType/IP path.

// PPP protocol numbers that carry something decodable.
const (
	pppIPv4      = 0x0021
	pppIPv6      = 0x0057
	pppMPLS      = 0x0281
	pppMPLSMcast = 0x0283
)

// decodePPP parses a PPP header: optional HDLC address and control bytes
// (0xFF 0x03), then a protocol field of one byte (protocol-field
// compression: the byte is odd) or two.
func decodePPP(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) >= 2 && data[0] == 0xFF && data[1] == 0x03 {
		data = data[2:]
	}
	if len(data) < 1 {
		return SkipTruncatedHeader, false
	}
	var proto uint16
	if data[0]&1 != 0 {
		proto, data = uint16(data[0]), data[1:]
	} else {
		if len(data) < 2 {
			return SkipTruncatedHeader, false
		}
		proto, data = binary.BigEndian.Uint16(data), data[2:]
	}
	switch proto {
	case pppIPv4:
		return decodeIPv4(data, p, depth)
	case pppIPv6:
		return decodeIPv6(data, p, depth)
	case pppMPLS, pppMPLSMcast:
		return decodeMPLS(data, p, depth)
	}
	// LCP, IPCP, authentication, compressed or encrypted datagrams.
	return SkipNonIP, false
}

// decodePPPoE parses a PPPoE session-stage header (RFC 2516) and the PPP
// frame it carries.
func decodePPPoE(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 6 {
		return SkipTruncatedHeader, false
	}
	if data[0] != 0x11 || data[1] != 0 { // version 1, type 1; code 0 in session stage
		return SkipBadLinkHeader, false
	}
	n := int(binary.BigEndian.Uint16(data[4:6]))
	data = data[6:]
	if n < len(data) {
		data = data[:n] // Ethernet padding
	}
	return decodePPP(data, p, depth)
}

// decodeCHDLC parses a Cisco HDLC header: address, control, EtherType.
func decodeCHDLC(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 4 {
		return SkipTruncatedHeader, false
	}
	if (data[0] != 0x0F && data[0] != 0x8F) || data[1] != 0 {
		return SkipBadLinkHeader, false
	}
	return decodeEtherType(binary.BigEndian.Uint16(data[2:4]), data[4:], p, depth)
}

// nfulaPayload is the NFLOG attribute that holds the logged packet.
const nfulaPayload = 9

// decodeNFLOG walks the attributes of a Linux NFLOG record to the packet.
// The 4-byte header (family, version, resource ID) is followed by TLVs
// whose length and type are in the capturing host's byte order, which the
// record does not state: the first attribute tells (its length covers at
// least its own header, and types are small numbers).
func decodeNFLOG(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 4 {
		return SkipTruncatedHeader, false
	}
	if data[1] != 0 {
		return SkipBadLinkHeader, false
	}
	family := data[0]
	tlvs := data[4:]
	var order binary.ByteOrder = binary.LittleEndian
	if len(tlvs) >= 4 {
		if l, t := binary.LittleEndian.Uint16(tlvs), binary.LittleEndian.Uint16(tlvs[2:])&0x3FFF; l < 4 || int(l) > len(tlvs) || t > 0xFF {
			order = binary.BigEndian
		}
	}
	for len(tlvs) >= 4 {
		l := int(order.Uint16(tlvs))
		t := order.Uint16(tlvs[2:]) & 0x3FFF // without the nested and byte-order flags
		if l < 4 {
			return SkipBadLinkHeader, false
		}
		if t == nfulaPayload {
			pkt := tlvs[4:min(l, len(tlvs))] // the snap length may cut it
			switch family {
			case 2: // AF_INET
				return decodeIPv4(pkt, p, depth)
			case 10: // AF_INET6
				return decodeIPv6(pkt, p, depth)
			}
			return decodeRawIP(pkt, p, depth) // AF_UNSPEC, bridge
		}
		adv := (l + 3) &^ 3
		if adv > len(tlvs) {
			return SkipTruncatedHeader, false
		}
		tlvs = tlvs[adv:]
	}
	if len(tlvs) > 0 {
		return SkipTruncatedHeader, false // cut inside an attribute header
	}
	return SkipNonIP, false // a record without the packet
}

// 802.11 frame control bits (second byte).
const (
	wifiToFromDS  = 0x03
	wifiOrder     = 0x80 // with QoS data: an HT control field follows
	wifiProtected = 0x40
)

// decode80211 parses an 802.11 MAC header. Only data frames carry IP;
// management and control frames and data frames without a body are not
// IP, and a protected (link-encrypted) body cannot be read. pad says the
// radiotap header announced padding of the MAC header to 4 bytes.
func decode80211(data []byte, p *Packet, depth int, pad bool) (SkipReason, bool) {
	if len(data) < 2 {
		return SkipTruncatedHeader, false
	}
	fc0, fc1 := data[0], data[1]
	if fc0&0x03 != 0 {
		return SkipBadLinkHeader, false // protocol version is always 0
	}
	if (fc0>>2)&0x03 != 2 {
		return SkipNonIP, false // management, control, extension
	}
	sub := fc0 >> 4
	if sub&0x04 != 0 {
		return SkipNonIP, false // null data: no body
	}
	n := 24
	if fc1&wifiToFromDS == wifiToFromDS {
		n = 30 // fourth address (WDS, mesh)
	}
	qos := sub&0x08 != 0
	amsdu := false
	if qos {
		if len(data) >= n+2 {
			amsdu = data[n]&0x80 != 0
		}
		n += 2
		if fc1&wifiOrder != 0 {
			n += 4
		}
	}
	if pad {
		n = (n + 3) &^ 3
	}
	if len(data) < n {
		return SkipTruncatedHeader, false
	}
	if fc1&wifiProtected != 0 {
		return SkipWiFiEncrypted, false
	}
	body := data[n:]
	if amsdu {
		// An aggregate: the first subframe (destination, source,
		// length, LLC) is decoded.
		if len(body) < 14 {
			return SkipTruncatedHeader, false
		}
		l := int(binary.BigEndian.Uint16(body[12:14]))
		body = body[14:]
		if l < len(body) {
			body = body[:l]
		}
	}
	return decodeLLC(body, p, depth)
}

// Radiotap fields before Flags and the Flags bits that matter here.
const (
	radiotapTSFT    = 1 << 0
	radiotapFlags   = 1 << 1
	radiotapExt     = 1 << 31
	radiotapDataPad = 0x20
)

// decodeRadiotap skips a radiotap header (little-endian, self-describing
// length) to the 802.11 frame, noting the data-padding flag.
func decodeRadiotap(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 8 {
		return SkipTruncatedHeader, false
	}
	if data[0] != 0 {
		return SkipBadLinkHeader, false
	}
	l := int(binary.LittleEndian.Uint16(data[2:4]))
	if l < 8 {
		return SkipBadLinkHeader, false
	}
	if l > len(data) {
		return SkipTruncatedHeader, false
	}
	present := binary.LittleEndian.Uint32(data[4:8])
	// Fields start after the last presence word (bit 31 chains them).
	off := 8
	for w := present; w&radiotapExt != 0; {
		if off+4 > l {
			return SkipBadLinkHeader, false
		}
		w = binary.LittleEndian.Uint32(data[off:])
		off += 4
	}
	pad := false
	if present&radiotapFlags != 0 {
		if present&radiotapTSFT != 0 {
			off = (off+7)&^7 + 8 // TSFT: 8 bytes, 8-aligned
		}
		if off < l {
			pad = data[off]&radiotapDataPad != 0
		}
	}
	return decode80211(data[l:], p, depth, pad)
}

// decodePPI skips a Per-Packet Information header to the frame it wraps,
// whose link type it names (usually 802.11).
func decodePPI(data []byte, p *Packet, depth int) (SkipReason, bool) {
	if len(data) < 8 {
		return SkipTruncatedHeader, false
	}
	if data[0] != 0 {
		return SkipBadLinkHeader, false
	}
	l := int(binary.LittleEndian.Uint16(data[2:4]))
	if l < 8 {
		return SkipBadLinkHeader, false
	}
	if l > len(data) {
		return SkipTruncatedHeader, false
	}
	if depth >= maxEncap {
		return SkipTooDeep, false
	}
	link := binary.LittleEndian.Uint32(data[4:8])
	if link > 0xFFFF {
		return SkipBadLinkHeader, false
	}
	return decodeLink(LinkType(link), data[l:], p, depth+1)
}
