package capture

import "strconv"

// LinkType is a pcap/pcapng link-layer header type (LINKTYPE_* value).
type LinkType uint16

// Link types Decode understands.
const (
	LinkNull         LinkType = 0   // BSD loopback: 4-byte address family in the capturing host's byte order
	LinkEthernet     LinkType = 1   // Ethernet II or 802.3/LLC, with 802.1Q / 802.1ad / QinQ tags
	LinkPPP          LinkType = 9   // PPP, with or without HDLC address and control bytes
	LinkATMRFC1483   LinkType = 11  // LLC/SNAP-encapsulated ATM (RFC 1483)
	LinkRawDLT12     LinkType = 12  // raw IP (DLT_RAW on most systems, written by old libpcap)
	LinkRawDLT14     LinkType = 14  // raw IP (DLT_RAW on OpenBSD)
	LinkPPPHDLC      LinkType = 50  // PPP in HDLC-like framing (RFC 1662), or Cisco HDLC framing
	LinkPPPoE        LinkType = 51  // PPPoE session header without Ethernet (DLT_PPP_ETHER)
	LinkRaw          LinkType = 101 // raw IP, version from the first nibble
	LinkCHDLC        LinkType = 104 // Cisco HDLC
	LinkIEEE80211    LinkType = 105 // 802.11 without radio information
	LinkLoop         LinkType = 108 // OpenBSD loopback: 4-byte address family in network byte order
	LinkLinuxSLL     LinkType = 113 // Linux cooked capture v1
	LinkRadiotap     LinkType = 127 // 802.11 with a radiotap header
	LinkPPI          LinkType = 192 // Per-Packet Information header, then the link type it names
	LinkPPPWithDir   LinkType = 204 // PPP with a direction byte
	LinkCHDLCWithDir LinkType = 205 // Cisco HDLC with a direction byte
	LinkIPv4         LinkType = 228 // raw IPv4
	LinkIPv6         LinkType = 229 // raw IPv6
	LinkNFLOG        LinkType = 239 // Linux netfilter NFLOG
	LinkLinuxSLL2    LinkType = 276 // Linux cooked capture v2 (tcpdump -i any)
)

// linkNames are the names link types are shown with (as tcpdump and
// Wireshark describe them), including common ones Decode does not read.
var linkNames = map[LinkType]string{
	LinkNull:         "BSD loopback",
	LinkEthernet:     "Ethernet",
	3:                "AX.25",
	6:                "Token Ring",
	7:                "ARCNET",
	8:                "SLIP",
	LinkPPP:          "PPP",
	10:               "FDDI",
	LinkATMRFC1483:   "ATM RFC 1483",
	LinkRawDLT12:     "raw IP",
	LinkRawDLT14:     "raw IP",
	LinkPPPHDLC:      "PPP in HDLC framing",
	LinkPPPoE:        "PPPoE",
	LinkRaw:          "raw IP",
	LinkCHDLC:        "Cisco HDLC",
	LinkIEEE80211:    "802.11",
	107:              "Frame Relay",
	LinkLoop:         "OpenBSD loopback",
	LinkLinuxSLL:     "Linux cooked",
	117:              "OpenBSD pflog",
	119:              "802.11 Prism",
	LinkRadiotap:     "802.11 radiotap",
	163:              "802.11 AVS",
	LinkPPI:          "PPI",
	195:              "802.15.4",
	201:              "Bluetooth HCI H4 with pseudo-header",
	LinkPPPWithDir:   "PPP with direction",
	LinkCHDLCWithDir: "Cisco HDLC with direction",
	220:              "USB Linux mmapped",
	LinkIPv4:         "raw IPv4",
	LinkIPv6:         "raw IPv6",
	LinkNFLOG:        "NFLOG",
	249:              "USBPcap",
	LinkLinuxSLL2:    "Linux cooked v2",
	274:              "Linux Bluetooth monitor",
	279:              "Linux vsock",
}

// String names the link type as tcpdump and Wireshark describe it
// ("Ethernet", "802.11", "NFLOG" …), so that it reads after "link type"; a
// type without a name here is its number, and the private-use types 147–162
// read "user N (147+N)".
func (l LinkType) String() string {
	if n, ok := linkNames[l]; ok {
		return n
	}
	if l >= 147 && l <= 162 {
		return "user " + strconv.Itoa(int(l)-147) + " (" + strconv.Itoa(int(l)) + ")"
	}
	return strconv.Itoa(int(l))
}
