package record

import (
	"github.com/ibmitap/ibmitap/classify"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// FromFlow converts a finished flow into its record. This is the one place
// where classify's view of a flow becomes the contract.
func FromFlow(f *classify.Flow) Flow {
	r := Flow{
		Schema:         FlowSchema,
		CommunityID:    CommunityID(f.Transport, f.Client, f.Server),
		Start:          FormatTime(f.Start.UTC()),
		End:            FormatTime(f.End.UTC()),
		Transport:      TransportName(f.Transport),
		Client:         f.Client.String(),
		Server:         f.Server.String(),
		VLAN:           f.VLAN,
		Service:        f.Service,
		IBMi:           f.IBMi,
		LabelSource:    f.LabelSource,
		TLSVersion:     classify.VersionName(tlsVersionOf(f)),
		SNI:            f.TLS.SNI,
		ALPN:           f.TLS.ALPN,
		User:           f.User,
		PacketsC2S:     f.PacketsC2S,
		PacketsS2C:     f.PacketsS2C,
		BytesC2S:       f.BytesC2S,
		BytesS2C:       f.BytesS2C,
		GapBytesC2S:    f.GapBytesC2S,
		GapBytesS2C:    f.GapBytesS2C,
		Protocol:       f.Protocol,
		TLSOffered:     classify.VersionName(f.TLS.Offered),
		PortmapRequest: f.PortmapRequest,
		PortmapPort:    int(f.PortmapPort),
		PortmapRefused: f.PortmapRefused,
		MidStream:      f.MidStream,
		EndReason:      f.EndReason,
		Uninspected:    f.HasPayload && !f.Inspected,
		Findings:       make([]Finding, 0, len(f.Findings)),
	}
	if r.ALPN == nil {
		r.ALPN = []string{}
	}
	if enc, known := EncryptedOf(f); known {
		r.Encrypted = &enc
	}
	if f.Control != nil {
		r.Control = CommunityID(f.Control.Transport, f.Control.Client, f.Control.Server)
	}
	for _, x := range sortedFindings(f.Findings) {
		r.Findings = append(r.Findings, FromFinding(x))
	}
	return r
}

// FromEvent converts a finding proven on an open flow into its event.
func FromEvent(ev *classify.FindingEvent) Event {
	f := ev.Flow
	return Event{
		Schema:      FindingSchema,
		Time:        ev.Time.UTC().Format(TimeLayout),
		CommunityID: CommunityID(f.Transport, f.Client, f.Server),
		Transport:   TransportName(f.Transport),
		Client:      f.Client.String(),
		Server:      f.Server.String(),
		Service:     f.Service,
		IBMi:        f.IBMi,
		User:        f.User,
		VLAN:        f.VLAN,
		Finding:     FromFinding(ev.Finding),
	}
}

// FromFinding converts one classify finding.
func FromFinding(x detect.Finding) Finding {
	return Finding{
		Kind: x.Kind, Severity: x.Severity, Message: x.Message,
		User: x.User, Protocol: x.Protocol, Mechanism: x.Mechanism,
		Record: x.Record, Length: x.Length, Port: x.Port, TLSPort: x.TLSPort,
		Learned: x.Learned, Count: x.Count, Basis: x.Basis,
	}
}

// TransportName names an IP protocol number as the record writes it.
func TransportName(t uint8) string {
	switch t {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	}
	return "ip"
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
