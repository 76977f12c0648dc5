package capture

import (
	"net/netip"
	"time"
)

// Transport protocol numbers carried in Packet.Transport.
const (
	TCP uint8 = 6
	UDP uint8 = 17
)

// TCP flag bits as they appear in Packet.TCPFlags.
const (
	FlagFIN uint8 = 0x01
	FlagSYN uint8 = 0x02
	FlagRST uint8 = 0x04
	FlagPSH uint8 = 0x08
	FlagACK uint8 = 0x10
)

// Packet is a compact, decoded view of one TCP or UDP packet. A Source fills a
// caller-owned Packet so the per-packet path allocates nothing; Payload aliases
// the source's read buffer and is valid only until the next call to Next.
type Packet struct {
	Number     uint64    // 1-based record number within the file (or since start, live)
	Timestamp  time.Time // capture timestamp
	CaptureLen int       // bytes captured
	WireLen    int       // bytes on the wire

	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Transport        uint8 // TCP or UDP
	// VLAN is the outer 802.1Q/802.1ad VLAN ID of the decoded packet (of
	// the traffic inside a tunnel, not of the tunnel), 0 when untagged. It
	// is part of the flow key.
	VLAN uint16

	TCPFlags uint8
	Seq, Ack uint32

	// IPPayloadLen is the transport header plus data length as the IP header
	// announces it (the flow record's byte counters count this).
	IPPayloadLen int
	// Payload is the transport payload actually captured (may be shorter than
	// announced when the snap length cut the packet).
	Payload []byte
	// Truncated is set when the captured payload is shorter than announced.
	Truncated bool
	// DataLen is the transport payload length the headers announce (TCP:
	// the IP payload minus the TCP header), whatever the snap length kept:
	// capture-loss accounting needs the sequence space a segment covers.
	DataLen int
}
