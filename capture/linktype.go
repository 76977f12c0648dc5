package capture

import "strconv"

// LinkType is a pcap/pcapng link-layer header type (LINKTYPE_* value).
type LinkType uint16

// Link types Decode understands.
const (
	LinkNull      LinkType = 0   // BSD loopback: 4-byte address family in the capturing host's byte order
	LinkEthernet  LinkType = 1   // Ethernet II, with 802.1Q / 802.1ad / QinQ tags
	LinkRawDLT12  LinkType = 12  // raw IP (DLT_RAW on most systems, written by old libpcap)
	LinkRawDLT14  LinkType = 14  // raw IP (DLT_RAW on OpenBSD)
	LinkRaw       LinkType = 101 // raw IP, version from the first nibble
	LinkLoop      LinkType = 108 // OpenBSD loopback: 4-byte address family in network byte order
	LinkLinuxSLL  LinkType = 113 // Linux cooked capture v1
	LinkIPv4      LinkType = 228 // raw IPv4
	LinkIPv6      LinkType = 229 // raw IPv6
	LinkLinuxSLL2 LinkType = 276 // Linux cooked capture v2 (tcpdump -i any)
)

// String names the link type.
func (l LinkType) String() string {
	switch l {
	case LinkNull:
		return "null"
	case LinkEthernet:
		return "ethernet"
	case LinkRawDLT12, LinkRawDLT14, LinkRaw:
		return "raw"
	case LinkLoop:
		return "loop"
	case LinkLinuxSLL:
		return "linux_sll"
	case LinkIPv4:
		return "ipv4"
	case LinkIPv6:
		return "ipv6"
	case LinkLinuxSLL2:
		return "linux_sll2"
	}
	return "linktype_" + strconv.Itoa(int(l))
}
