package record

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/ibmitap/ibmitap/classify"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// AppendFlowOf and AppendEventOf write a JSON line straight from what the
// classifier handed over, for the outputs that only need bytes (read
// --format json, watch's lines). They write exactly what AppendFlow(FromFlow)
// and AppendEvent(FromEvent) write (TestAppendOfMatches on every testdata
// capture, FuzzAppendFlowOf on arbitrary flows) and allocate nothing beyond
// dst's growth.
//
// Why not a cheaper FromFlow into a reused Flow: the record's fields are
// strings because the analysis half (report, store, ship) keeps them, so
// filling one costs a string per address, time and Community ID however it
// is reused; writing from the classify.Flow skips the intermediate and its
// allocations altogether, while Flow stays the one contract type that
// everything right of record reads.

// FlowOptions is what a flow record carries beyond its classify.Flow.
type FlowOptions struct {
	Sensor string
	// Evidence, when set, is written as the record's evidence; the caller
	// may reuse it for every record.
	Evidence *Evidence
}

// AppendFlowOf appends the JSON line (with its newline) of the record of f
// to dst: AppendFlow(dst, FromFlow(f)) with o's sensor and evidence set,
// without building the record.
func AppendFlowOf(dst []byte, f *classify.Flow, o FlowOptions) []byte {
	b := append(dst, `{"schema":"`+FlowSchema+`","community_id":`...)
	b = appendCommunityIDString(b, f.Transport, f.Client, f.Server)
	b = appendTimeField(b, `,"start":`, f.Start)
	b = appendTimeField(b, `,"end":`, f.End)
	b = appendPeersOf(b, f)
	b = appendStringField(b, `,"label_source":`, f.LabelSource)
	b = append(b, `,"encrypted":`...)
	if enc, known := EncryptedOf(f); known {
		b = strconv.AppendBool(b, enc)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"tls_version":"`...)
	b = classify.AppendVersionName(b, tlsVersionOf(f))
	b = appendStringField(b, `","sni":`, f.TLS.SNI)
	b = append(b, `,"alpn":[`...)
	for i, s := range f.TLS.ALPN {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	b = appendStringField(b, `],"user":`, f.User)
	b = appendUintField(b, `,"packets_c2s":`, f.PacketsC2S)
	b = appendUintField(b, `,"packets_s2c":`, f.PacketsS2C)
	b = appendUintField(b, `,"bytes_c2s":`, f.BytesC2S)
	b = appendUintField(b, `,"bytes_s2c":`, f.BytesS2C)
	b = appendFindingsOf(append(b, `,"findings":[`...), f.Findings)
	b = appendOmitString(append(b, ']'), `,"protocol":`, f.Protocol)
	if f.TLS.Offered != 0 {
		b = append(b, `,"tls_offered":"`...)
		b = append(classify.AppendVersionName(b, f.TLS.Offered), '"')
	}
	b = appendOmitString(b, `,"portmap_request":`, f.PortmapRequest)
	b = appendOmitInt(b, `,"portmap_port":`, int(f.PortmapPort))
	b = appendOmitBool(b, `,"portmap_refused":`, f.PortmapRefused)
	if c := f.Control; c != nil {
		b = append(b, `,"control":`...)
		b = appendCommunityIDString(b, c.Transport, c.Client, c.Server)
	}
	b = appendOmitBool(b, `,"mid_stream":`, f.MidStream)
	b = appendStringField(b, `,"end_reason":`, f.EndReason)
	b = appendOmitBool(b, `,"uninspected":`, f.HasPayload && !f.Inspected)
	b = appendOmitUint(b, `,"vlan":`, uint64(f.VLAN))
	b = appendOmitString(b, `,"sensor":`, o.Sensor)
	b = appendOmitUint(b, `,"gap_bytes_c2s":`, f.GapBytesC2S)
	b = appendOmitUint(b, `,"gap_bytes_s2c":`, f.GapBytesS2C)
	if e := o.Evidence; e != nil {
		b = appendStringField(b, `,"evidence":{"file":`, e.File)
		b = appendUintField(b, `,"first_packet":`, e.FirstPacket)
		b = append(b, '}')
	}
	return append(b, "}\n"...)
}

// AppendEventOf appends the JSON line (with its newline) of the event of
// ev to dst: AppendEvent(dst, FromEvent(ev)) with sensor set, without
// building the event.
func AppendEventOf(dst []byte, ev *classify.FindingEvent, sensor string) []byte {
	f := ev.Flow
	b := append(dst, `{"schema":"`+FindingSchema+`"`...)
	b = appendTimeField(b, `,"time":`, ev.Time)
	b = append(b, `,"community_id":`...)
	b = appendCommunityIDString(b, f.Transport, f.Client, f.Server)
	b = appendPeersOf(b, f)
	b = appendStringField(b, `,"user":`, f.User)
	b = appendOmitUint(b, `,"vlan":`, uint64(f.VLAN))
	b = appendOmitString(b, `,"sensor":`, sensor)
	x := FromFinding(ev.Finding)
	b = appendFinding(append(b, ','), &x, false)
	return append(b, "}\n"...)
}

// appendPeersOf appends the members flow records and finding events share:
// transport, client, server, service and ibmi.
func appendPeersOf(b []byte, f *classify.Flow) []byte {
	b = appendStringField(b, `,"transport":`, TransportName(f.Transport))
	b = appendAddrPortField(b, `,"client":`, f.Client)
	b = appendAddrPortField(b, `,"server":`, f.Server)
	b = appendStringField(b, `,"service":`, f.Service)
	return appendBoolField(b, `,"ibmi":`, f.IBMi)
}

// EncryptedOf is the encrypted field of f's record: known only when
// payload crossed and was looked at (else the field is null).
func EncryptedOf(f *classify.Flow) (enc, known bool) {
	return f.Encrypted, f.HasPayload && f.Inspected
}

// WorstOf returns the worst severity among f's findings, "" if none: the
// Worst of its record, without building it.
func WorstOf(f *classify.Flow) string {
	worst := ""
	for i := range f.Findings {
		if s := f.Findings[i].Severity; SeverityRank(s) > SeverityRank(worst) {
			worst = s
		}
	}
	return worst
}

// tlsVersionOf is the version the record names: the negotiated one, else
// the offered one when a hello was seen, else 0 (none).
func tlsVersionOf(f *classify.Flow) uint16 {
	if f.TLS.Negotiated == 0 && f.TLS.Seen {
		return f.TLS.Offered
	}
	return f.TLS.Negotiated
}

// appendFindingsOf appends the findings' objects worst first, equals in
// their order (as sortedFindings), sorting indices on the stack.
func appendFindingsOf(b []byte, in []detect.Finding) []byte {
	var stack [16]uint16
	idx := stack[:0]
	if len(in) > len(stack) {
		idx = make([]uint16, 0, len(in)) // more findings than a flow raises
	}
	for i := range in {
		idx = append(idx, uint16(i))
		for j := len(idx) - 1; j > 0 && SeverityRank(in[idx[j]].Severity) > SeverityRank(in[idx[j-1]].Severity); j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	for n, i := range idx {
		if n > 0 {
			b = append(b, ',')
		}
		x := FromFinding(in[i])
		b = append(appendFinding(append(b, '{'), &x, true), '}')
	}
	return b
}

// appendTimeField appends name and t in TimeLayout, quoted: the layout's
// characters need no JSON escaping.
func appendTimeField(b []byte, name string, t time.Time) []byte {
	b = append(append(b, name...), '"')
	return append(AppendTime(b, t.UTC()), '"')
}

// appendCommunityIDString appends the quoted Community ID (base64 needs no
// JSON escaping).
func appendCommunityIDString(b []byte, transport uint8, c, s netip.AddrPort) []byte {
	return append(AppendCommunityID(append(b, '"'), transport, c, s), '"')
}

// appendAddrPortField appends name and ap as AddrPort.String writes it,
// quoted and escaped: in place, redone through appendString only when an
// IPv6 zone brought a byte JSON escapes (never from a capture).
func appendAddrPortField(b []byte, name string, ap netip.AddrPort) []byte {
	b = append(b, name...)
	if !ap.Addr().IsValid() {
		return append(b, `"invalid AddrPort"`...)
	}
	b = append(b, '"')
	start := len(b)
	b = ap.AppendTo(b)
	for _, c := range b[start:] {
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			return appendString(b[:start-1], string(b[start:]))
		}
	}
	return append(b, '"')
}
