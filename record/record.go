package record

import (
	"net/netip"
	"strings"
)

// Schema identifiers of the three kinds of JSON line. Fields may be added to
// each; renaming or removing one bumps the identifier.
const (
	FlowSchema    = "ibmitap.flow/1"
	FindingSchema = "ibmitap.finding/1"
	RunSchema     = "ibmitap.run/1"
)

// TimeLayout is RFC 3339 with all nine digits of the nanoseconds, so that
// timestamps sort as text.
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Flow is one flow record as written in JSON lines.
type Flow struct {
	Schema      string    `json:"schema"`
	CommunityID string    `json:"community_id"`
	Start       string    `json:"start"`
	End         string    `json:"end"`
	Transport   string    `json:"transport"`
	Client      string    `json:"client"`
	Server      string    `json:"server"`
	Service     string    `json:"service"`
	IBMi        bool      `json:"ibmi"`
	LabelSource string    `json:"label_source"`
	Encrypted   *bool     `json:"encrypted"`
	TLSVersion  string    `json:"tls_version"`
	SNI         string    `json:"sni"`
	ALPN        []string  `json:"alpn"`
	User        string    `json:"user"`
	PacketsC2S  uint64    `json:"packets_c2s"`
	PacketsS2C  uint64    `json:"packets_s2c"`
	BytesC2S    uint64    `json:"bytes_c2s"`
	BytesS2C    uint64    `json:"bytes_s2c"`
	Findings    []Finding `json:"findings"`

	// Fields beyond the design card's first list.
	Protocol       string `json:"protocol,omitempty"`        // what the bytes were recognised as
	TLSOffered     string `json:"tls_offered,omitempty"`     // highest version the client offered
	PortmapRequest string `json:"portmap_request,omitempty"` // service asked of the port mapper
	PortmapPort    int    `json:"portmap_port,omitempty"`    // the port it answered
	PortmapRefused bool   `json:"portmap_refused,omitempty"` // it answered with a failure
	Control        string `json:"control,omitempty"`         // community_id of the FTP control flow
	MidStream      bool   `json:"mid_stream,omitempty"`      // the connection's start was not captured
	EndReason      string `json:"end_reason"`

	// Uninspected is set when the flow carried payload the sensor had no
	// head memory to inspect (encrypted is null then, not false).
	Uninspected bool `json:"uninspected,omitempty"`
	// VLAN is the outer 802.1Q VLAN ID, part of the flow key.
	VLAN uint16 `json:"vlan,omitempty"`
	// Sensor names the sensor that saw the flow (--sensor, else the host).
	Sensor string `json:"sensor,omitempty"`
	// GapBytesC2S and GapBytesS2C count bytes the receiver acknowledged
	// that the sensor never saw (capture loss, as Zeek's capture_loss).
	GapBytesC2S uint64 `json:"gap_bytes_c2s,omitempty"`
	GapBytesS2C uint64 `json:"gap_bytes_s2c,omitempty"`
	// Evidence points at the packets of a flow read from a capture file.
	Evidence *Evidence `json:"evidence,omitempty"`
}

// Evidence locates a flow in the capture it was read from, so a second
// person can open the same packets.
type Evidence struct {
	File        string `json:"file"`
	FirstPacket uint64 `json:"first_packet"`
}

// Finding is one finding in a flow record.
type Finding struct {
	Kind      string `json:"kind"`
	Severity  string `json:"severity"`
	Message   string `json:"message"`
	User      string `json:"user,omitempty"`
	Protocol  string `json:"protocol,omitempty"`
	Mechanism string `json:"mechanism,omitempty"`
	Record    string `json:"record,omitempty"`
	Length    int    `json:"length,omitempty"`
	Port      int    `json:"port,omitempty"`
	TLSPort   int    `json:"tls_port,omitempty"`
	Learned   string `json:"learned,omitempty"`
	Count     int    `json:"count,omitempty"`
	// Basis says what the finding rests on: bytes, portmapper or port.
	Basis string `json:"basis,omitempty"`
}

// Event is a finding written on its own as soon as it is proven
// (ibmitap.finding/1), before the flow that carries it has ended.
type Event struct {
	Schema      string `json:"schema"`
	Time        string `json:"time"`
	CommunityID string `json:"community_id"`
	Transport   string `json:"transport"`
	Client      string `json:"client"`
	Server      string `json:"server"`
	Service     string `json:"service"`
	IBMi        bool   `json:"ibmi"`
	User        string `json:"user"`
	VLAN        uint16 `json:"vlan,omitempty"`
	Sensor      string `json:"sensor,omitempty"`
	Finding
}

// Run summarises one run of a sensor or of read (ibmitap.run/1): what it
// read and how much it could not see, so a report can say how complete it is.
type Run struct {
	Schema string   `json:"schema"`
	Sensor string   `json:"sensor,omitempty"`
	Inputs []string `json:"inputs"`
	// Start and End bound the packet timestamps seen (TimeLayout).
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	// Packets read and decoded; Flows records written.
	Packets uint64 `json:"packets"`
	Decoded uint64 `json:"decoded"`
	Flows   uint64 `json:"flows"`
	// Losses the sensor knows of.
	KernelPackets uint64 `json:"kernel_packets,omitempty"`
	KernelDrops   uint64 `json:"kernel_drops"`
	OutputDrops   uint64 `json:"output_drops"`
	Evicted       uint64 `json:"evicted"`
	// GapBytes is the sum of the flows' gap bytes; PayloadBytes the bytes
	// seen; CaptureLoss their ratio gap/(gap+seen), -1 when not estimable.
	GapBytes     uint64  `json:"gap_bytes"`
	PayloadBytes uint64  `json:"payload_bytes"`
	CaptureLoss  float64 `json:"capture_loss"`
	// Skipped counts undecodable packets by reason.
	Skipped map[string]uint64 `json:"skipped,omitempty"`
	// Undecodable counts, by link type name ("802.11", "user 0 (147)"),
	// the packets whose link layer or encapsulation could not be decoded
	// at all, as the table's first lines say.
	Undecodable map[string]uint64 `json:"undecodable,omitempty"`
}

// Severities, lowest first.
var severities = [...]string{"info", "low", "medium", "high", "critical"}

// SeverityRank orders severities: higher is worse; unknown ranks 0.
func SeverityRank(s string) int {
	for i, x := range severities {
		if strings.EqualFold(s, x) {
			return i + 1
		}
	}
	return 0
}

// Worst returns the worst severity among the flow's findings, "" if none.
func (f *Flow) Worst() string {
	worst := ""
	for _, x := range f.Findings {
		if SeverityRank(x.Severity) > SeverityRank(worst) {
			worst = x.Severity
		}
	}
	return worst
}

// ClientAddr is the client's address without its port.
func (f *Flow) ClientAddr() string { return hostOf(f.Client) }

// ServerAddr is the server's address without its port.
func (f *Flow) ServerAddr() string { return hostOf(f.Server) }

// ServerPort is the server's port, 0 when the server field does not parse.
func (f *Flow) ServerPort() uint16 {
	ap, err := netip.ParseAddrPort(f.Server)
	if err != nil {
		return 0
	}
	return ap.Port()
}

// HasPayload reports whether the flow was judged on its bytes: its
// encrypted field is set.
func (f *Flow) HasPayload() bool { return f.Encrypted != nil }

func hostOf(ap string) string {
	if x, err := netip.ParseAddrPort(ap); err == nil {
		return x.Addr().String()
	}
	if i := strings.LastIndexByte(ap, ':'); i >= 0 {
		return strings.Trim(ap[:i], "[]")
	}
	return ap
}
