package classify

import (
	"net/netip"
	"time"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Label sources: how a flow's service name was decided.
const (
	SourceSignature  = "signature"
	SourcePortmapper = "portmapper"
	SourcePort       = "port"
	SourceSite       = "site"
	SourceNone       = "none"
)

// End reasons: why a flow record was written.
const (
	EndFIN     = "fin"
	EndRST     = "rst"
	EndIdle    = "idle"
	EndEvicted = "evicted"
	EndFlush   = "end_of_input"
	EndReused  = "reused" // a new connection (SYN with another sequence number) took over the 4-tuple
	// EndInterim marks the periodic record of a flow still open (its
	// counters are cumulative since the flow's start).
	EndInterim = "interim"
	// EndShutdown marks the record of a flow still open when a sensor stopped.
	EndShutdown = "shutdown"
)

// Flow is the finished account of one TCP or UDP conversation, handed to the
// engine's emit function when the flow ends.
type Flow struct {
	Start, End     time.Time
	Transport      uint8 // 6 = TCP, 17 = UDP
	Client, Server netip.AddrPort
	VLAN           uint16 // outer VLAN ID of the traffic, 0 when untagged (part of the flow key)

	Service     string // e.g. "as-signon", "as-database-s", "ftp", "unknown"
	IBMi        bool
	LabelSource string // SourceSignature, SourcePortmapper, SourcePort, SourceSite, SourceNone
	Protocol    string // what the bytes were recognised as ("tls", "hostserver" ...), "" if nothing

	HasPayload bool // any payload crossed; Encrypted means nothing when false
	// Inspected is false when the payload could not be looked at (no head
	// memory left, or a capture that starts in the middle of a connection
	// whose bytes nothing recognised): Encrypted is then unknown.
	Inspected bool
	Encrypted bool
	Upgraded  bool
	TLS       detect.TLSInfo

	User           string
	PortmapRequest string
	PortmapPort    uint16 // the port the mapper answered
	PortmapRefused bool   // the mapper answered with a failure
	// Control is the control connection an FTP data connection belongs to.
	Control *FlowRef

	PacketsC2S, PacketsS2C uint64
	BytesC2S, BytesS2C     uint64
	// GapBytesC2S and GapBytesS2C are bytes the receiver acknowledged that
	// were never captured (capture loss), per direction of the sender.
	GapBytesC2S, GapBytesS2C uint64

	Findings []detect.Finding

	MidStream bool   // the connection's start was not captured
	EndReason string // EndFIN, EndRST, EndIdle, EndEvicted, EndFlush

	// FirstPacket is the capture's number of the flow's first packet
	// (capture.Packet.Number), so a report can point at the packets.
	FirstPacket uint64
}

// FlowRef names another flow by its endpoints.
type FlowRef struct {
	Transport      uint8
	Client, Server netip.AddrPort
}

// flow is the engine's state for one live flow: what every flow carries,
// payload or not, kept small (TestFlowSize) because a flood fills the table
// with flows that never send a byte. What only inspected flows need (heads,
// verdict, detector progress) lives in a detail taken from a free list when
// the first payload arrives and given back when inspection ends.
type flow struct {
	// What each packet touches comes first, so that a packet of one of
	// tens of thousands of interleaved flows costs as few cache lines as
	// possible: the key it is compared on, then the counters.
	k          key
	last       int64 // Unix nanoseconds (capture times fit until 2262)
	pkts       [2]uint64
	bytes      [2]uint64
	touched    uint64   // number of the packet that last touched it (its place in the LRU lists)
	prev, next *flow    // LRU links, most recently seen at the tail
	d          *detail  // detection state, while the heads collect bytes
	o          *outcome // what detection found, once it found anything
	transport  uint8
	clientA    bool // the client is the key's a endpoint
	v6         bool // the addresses are IPv6
	fin        [2]bool
	synSeenDir [2]bool
	closed     bool  // FIN both ways or RST: waiting out the linger time
	endReason  uint8 // why it closed (index into endReasons)
	buffering  bool  // heads still collect bytes
	dirty      bool  // heads grew since the last inspection
	payload    bool
	midStream  bool
	ftpControl bool // registered as an encrypted FTP control connection
	unbuffered bool // payload came but no head memory was left: nothing was inspected
	matched    int8 // registry index of the detector that matched, -1 none
	// gaps is the capture-loss account, touched by every TCP segment: in
	// the flow itself, not behind a pointer, because a second cache miss
	// per packet costs more than its 72 bytes on flows that never see an
	// acknowledgement (a SYN flood's).
	gaps gapState

	start       int64  // Unix nanoseconds
	firstPacket uint64 // capture.Packet.Number of the first packet
	isn         [2]uint32
	gen         uint32 // incremented each time the struct is reused for a new flow
	expected    *expectation
}

// detail is the inspection state of a flow whose heads collect bytes. It
// goes back to its free list as soon as buffering ends: what the detectors
// found lives on in the flow's outcome.
type detail struct {
	heads [2]head
	ruled uint64 // bit i: detector i rejected the flow for good
	// until holds, per direction, the head length before which no
	// detector asked can answer differently (their Wait), and flags the
	// heads' full and hole flags at that inspection: inspect skips the
	// detectors until a head reaches its mark or a flag changes.
	until [2]int
	flags uint8
}

// outcome is what the detectors found about a flow, kept from its first
// non-empty verdict to its record: a recognised flow (TLS, HTTP, FTP …)
// carries it for the rest of its life, so it holds only the verdict, not
// the heads' bookkeeping (the two together were 584 bytes).
type outcome struct {
	verdict detect.Verdict
	nexpect int // announced connections already registered
	// What streaming (Config.Finding) already handed over: a flow can
	// have findings (port-based ones) without a verdict, so streaming
	// takes an outcome of its own when it needs one.
	sent      []uint64 // identities of the findings already streamed
	streamSig uint32   // the verdict's shape when its findings were last streamed
}

// noVerdict is the verdict of a flow without an outcome; never written.
var noVerdict detect.Verdict

// verdict returns what the detectors found (read only).
func (f *flow) verdict() *detect.Verdict {
	if f.o == nil {
		return &noVerdict
	}
	return &f.o.verdict
}

// endpoint returns the key's a (or b) endpoint as an address and port.
func (f *flow) endpoint(a bool) netip.AddrPort {
	b, port := f.k.b, f.k.pb
	if a {
		b, port = f.k.a, f.k.pa
	}
	addr := netip.AddrFrom16(b)
	if !f.v6 {
		addr = addr.Unmap()
	}
	return netip.AddrPortFrom(addr, port)
}

func (f *flow) client() netip.AddrPort { return f.endpoint(f.clientA) }
func (f *flow) server() netip.AddrPort { return f.endpoint(!f.clientA) }

// unixTime turns a flow's time back into a time.Time, in UTC as the
// capture readers give it.
func unixTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// endReasons are the values of flow.endReason.
var endReasons = [...]string{"", EndFIN, EndRST, EndIdle, EndEvicted, EndFlush, EndReused}

func reasonCode(r string) uint8 {
	for i, s := range endReasons {
		if s == r {
			return uint8(i)
		}
	}
	return 0
}

const (
	c2s = 0
	s2c = 1
)
