package report

import (
	"strings"

	"github.com/ibmitap/ibmitap/classify"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// Schema is the identifier of the flow-record format written by the JSON and
// CSV writers. Fields may be added; renaming or removing one bumps it.
const Schema = "ibmitap.flow/1"

// TimeLayout is RFC 3339 with all nine digits of the nanoseconds, so that
// timestamps sort as text.
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Record is one flow record as written in JSON lines (the stable contract of
// design.md).
type Record struct {
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

	// Fields beyond the design card's list.
	Protocol       string `json:"protocol,omitempty"`        // what the bytes were recognised as
	TLSOffered     string `json:"tls_offered,omitempty"`     // highest version the client offered
	PortmapRequest string `json:"portmap_request,omitempty"` // service asked of the port mapper
	PortmapPort    int    `json:"portmap_port,omitempty"`    // the port it answered
	PortmapRefused bool   `json:"portmap_refused,omitempty"` // it answered with a failure
	Control        string `json:"control,omitempty"`         // community_id of the FTP control flow
	MidStream      bool   `json:"mid_stream,omitempty"`      // the connection's start was not captured
	EndReason      string `json:"end_reason"`
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
}

// NewRecord converts a finished flow into its record.
func NewRecord(f *classify.Flow) Record {
	r := Record{
		Schema:         Schema,
		CommunityID:    CommunityID(f.Transport, f.Client, f.Server),
		Start:          f.Start.UTC().Format(TimeLayout),
		End:            f.End.UTC().Format(TimeLayout),
		Transport:      transportName(f.Transport),
		Client:         f.Client.String(),
		Server:         f.Server.String(),
		Service:        f.Service,
		IBMi:           f.IBMi,
		LabelSource:    f.LabelSource,
		TLSVersion:     classify.VersionName(f.TLS.Negotiated),
		SNI:            f.TLS.SNI,
		ALPN:           f.TLS.ALPN,
		User:           f.User,
		PacketsC2S:     f.PacketsC2S,
		PacketsS2C:     f.PacketsS2C,
		BytesC2S:       f.BytesC2S,
		BytesS2C:       f.BytesS2C,
		Protocol:       f.Protocol,
		TLSOffered:     classify.VersionName(f.TLS.Offered),
		PortmapRequest: f.PortmapRequest,
		PortmapPort:    int(f.PortmapPort),
		PortmapRefused: f.PortmapRefused,
		MidStream:      f.MidStream,
		EndReason:      f.EndReason,
		Findings:       make([]Finding, 0, len(f.Findings)),
	}
	if r.ALPN == nil {
		r.ALPN = []string{}
	}
	if r.TLSVersion == "" && f.TLS.Seen {
		r.TLSVersion = r.TLSOffered // offered, when no ServerHello was seen
	}
	if f.HasPayload && f.Inspected {
		enc := f.Encrypted
		r.Encrypted = &enc
	}
	if f.Control != nil {
		r.Control = CommunityID(f.Control.Transport, f.Control.Client, f.Control.Server)
	}
	for _, x := range sortedFindings(f.Findings) {
		r.Findings = append(r.Findings, Finding{
			Kind: x.Kind, Severity: x.Severity, Message: x.Message,
			User: x.User, Protocol: x.Protocol, Mechanism: x.Mechanism,
			Record: x.Record, Length: x.Length, Port: x.Port, TLSPort: x.TLSPort,
			Learned: x.Learned, Count: x.Count,
		})
	}
	return r
}

func transportName(t uint8) string {
	switch t {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	}
	return "ip"
}

// SeverityRank orders severities: higher is worse; unknown ranks lowest.
func SeverityRank(s string) int {
	switch strings.ToLower(s) {
	case detect.SevInfo:
		return 1
	case detect.SevLow:
		return 2
	case detect.SevMedium:
		return 3
	case detect.SevHigh:
		return 4
	case detect.SevCritical:
		return 5
	}
	return 0
}

// sortedFindings returns the findings worst first, keeping the order of
// equals.
func sortedFindings(in []detect.Finding) []detect.Finding {
	out := append([]detect.Finding(nil), in...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && SeverityRank(out[j].Severity) > SeverityRank(out[j-1].Severity); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
