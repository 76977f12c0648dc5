package classify

import (
	"fmt"
	"strings"

	"github.com/ibmitap/ibmitap/catalog"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// protocolFamily lists, per generic protocol, the catalog services that
// speak it: when the bytes show that protocol on such a service's port, the
// catalog's more specific name stands (as-nav, not just http).
var protocolFamily = map[string][]string{
	"http":    {"as-admin-http", "as-new-nav", "as-nav", "as-admin3-http", "http", "common-http", "http-alt"},
	"telnet":  {"telnet", "hmc-5250"},
	"tn5250":  {"telnet", "hmc-5250"},
	"ftp":     {"ftp"},
	"ldap":    {"ldap"},
	"rexec":   {"rexec", "exec"},
	"netbios": {"netbios-ns", "netbios-dgm"},
	"smtp":    {"smtp", "submission", "smtp-email-submission"},
	"pop3":    {"pop3"},
	"imap":    {"imap4"},
	"xmpp":    {"xmpp-jabber"},
}

// inFamily reports whether the catalog service name speaks protocol.
func inFamily(protocol, name string) bool {
	for _, n := range protocolFamily[protocol] {
		if n == name {
			return true
		}
	}
	return false
}

// specific reports whether a catalog entry names its port precisely enough
// to label a flow: an IBM i or site entry, or a general-list entry for one
// port or a narrow range. Wide ranges of the general list (1024-5000 for one
// chat program) would only mislabel ephemeral ports.
func specific(ent catalog.Entry) bool {
	switch ent.Source {
	case "iana":
		return false
	case "general":
		return ent.PortHigh-ent.Port < 16
	}
	return true
}

// protocolService names a flow by the protocol its bytes showed when the
// detector could not name the service itself.
var protocolService = map[string]string{
	"telnet":     "telnet",
	"tn5250":     "telnet",
	"ftp":        "ftp",
	"ldap":       "ldap",
	"smb":        "smb",
	"netbios":    "netbios",
	"http":       "http",
	"rexec":      "rexec",
	"ssh":        "ssh",
	"postgresql": "postgresql",
	"smtp":       "smtp",
	"pop3":       "pop3",
	"imap":       "imap",
	"nntp":       "nntp",
	"xmpp":       "xmpp",
	"mysql":      "mysql",
	"tds":        "ms-sql",
	"adb":        "adb",
}

// close marks f ended by FIN or RST. Its record is written once the linger
// time has passed, so the last ACKs still count.
func (e *Engine) close(f *flow, reason string) {
	if f.closed {
		return
	}
	e.stopBuffering(f)
	e.listOf(f).unlink(f)
	f.closed = true
	f.endReason = reasonCode(reason)
	e.lists[listClosed].pushBack(f)
}

// finish writes the record of f; the caller removes f from the table.
func (e *Engine) finish(f *flow, reason string) {
	e.inspectDirty() // what other flows taught may name this one
	if f.dirty {
		e.inspect(f)
	}
	e.forgetFTPControl(f)
	if f.closed {
		reason = endReasons[f.endReason]
	}
	var r *Flow
	if e.cfg.ReuseFlow && e.keyed == nil {
		r = e.reuse()
		e.fill(f, reason, r)
	} else {
		r = e.build(f, reason)
	}
	e.streamFinal(f, r)
	e.stats.Emitted++
	e.emit(f, r)
}

// reuse returns the spare Flow with its Findings emptied (fill sets the
// rest).
func (e *Engine) reuse() *Flow {
	if e.spare == nil {
		e.spare = new(Flow)
	}
	clear(e.spare.Findings) // drop what the last findings pointed at
	e.spare.Findings = e.spare.Findings[:0]
	return e.spare
}

// emit hands a record to Config.Emit or, in a Pool's worker, to the pool
// with the key that orders it as a single engine would.
func (e *Engine) emit(f *flow, r *Flow) {
	if e.keyed == nil {
		e.cfg.Emit(r)
		return
	}
	k := orderKey{seq: e.seq, phase: e.phase, touched: f.touched}
	switch e.phase {
	case phaseFlush:
		k.seq, k.start, k.list = ^uint64(0), f.start, uint8(e.listIndex(f))
	case phaseInterim:
		k.list = uint8(e.listIndex(f))
	}
	e.keyed(r, nil, k)
}

// build makes the record of f as it stands.
func (e *Engine) build(f *flow, reason string) *Flow {
	r := new(Flow)
	e.fill(f, reason, r)
	return r
}

// fill writes the record of f as it stands into r, which is empty but for
// the spare array of its Findings.
func (e *Engine) fill(f *flow, reason string, r *Flow) {
	*r = Flow{
		Start: unixTime(f.start), End: unixTime(f.last),
		Transport: f.transport,
		Client:    f.client(), Server: f.server(),
		VLAN:       f.k.vlan,
		HasPayload: f.payload,
		PacketsC2S: f.pkts[c2s], PacketsS2C: f.pkts[s2c],
		BytesC2S: f.bytes[c2s], BytesS2C: f.bytes[s2c],
		MidStream: f.midStream,
		EndReason: reason,

		FirstPacket: f.firstPacket,
		Findings:    r.Findings,
	}
	v := f.verdict()
	r.Protocol = v.Protocol
	r.Encrypted = (v.Encrypted || v.Upgraded) && !v.Downgraded
	// Payload nobody looked at, or a capture that starts mid-connection
	// with bytes nothing recognised, tells nothing about encryption.
	r.Inspected = f.payload && !f.unbuffered && !(f.midStream && v.Protocol == "")
	r.Upgraded = v.Upgraded
	r.TLS = v.TLS
	r.User = v.User
	r.PortmapRequest = v.PortmapRequest
	r.PortmapPort = v.PortmapPort
	r.PortmapRefused = v.PortmapRefused
	r.GapBytesC2S, r.GapBytesS2C = f.gaps.gap[c2s], f.gaps.gap[s2c]
	e.label(f, r)
	e.policy(f, r)
}

// label decides the service name: the bytes first, the port mapper's
// answers next, the site file and the port catalog last.
func (e *Engine) label(f *flow, r *Flow) {
	v := f.verdict()
	proto := catalog.Proto(f.transport)
	addr, port := f.server().Addr(), f.server().Port()
	l, fromMapper := e.learned[makeHostKey(f.k.vlan, addr, port)]
	ent, haveEnt := e.cat.LookupHost(addr, proto, port)
	if haveEnt && !specific(ent) {
		haveEnt = false
	}
	isTLS := v.Encrypted && v.Protocol == "tls"
	if x := f.expected; x != nil && x.guess && !isTLS {
		f.expected = nil // an encrypted FTP session's data connection is TLS
	}

	set := func(name, src string) { r.Service, r.LabelSource = name, src }
	switch {
	case f.expected != nil:
		name := f.expected.service
		if isTLS || f.expected.protected {
			name = strings.Replace(name, "ftp-", "ftps-", 1)
		}
		set(name, SourceSignature)
		ref := f.expected.control
		r.Control = &ref
	case isTLS:
		switch {
		case fromMapper:
			set(e.tlsName(l.service), SourcePortmapper)
		case haveEnt && ent.Source == "site":
			set(e.tlsName(ent.Name), SourceSite)
		case haveEnt && ent.Source == "general" && !ent.TLS && ent.TLSTwin == "":
			// The general list names what usually runs on a port, not
			// what TLS carries there: the bytes say TLS (the SNI says
			// more), a port name would only guess.
			set("tls", SourceSignature)
		case haveEnt:
			set(e.tlsName(ent.Name), SourcePort)
		default:
			set("unknown", SourceNone)
		}
	case v.Service != "":
		set(v.Service, SourceSignature)
	case v.Protocol != "" && protocolService[v.Protocol] != "":
		name := protocolService[v.Protocol]
		if haveEnt && !ent.TLS && inFamily(v.Protocol, ent.Name) {
			name = ent.Name // the catalog is more specific (as-admin-http ...)
		}
		set(name, SourceSignature)
	case fromMapper:
		set(l.service, SourcePortmapper)
	case haveEnt && ent.Source == "site":
		set(ent.Name, SourceSite)
	case haveEnt:
		set(ent.Name, SourcePort)
	default:
		set("unknown", SourceNone)
	}
	// The bytes can prove an IBM i peer where the port cannot: the host-server
	// datastream, the port mapper, a 5250 terminal session.
	switch v.Protocol {
	case "hostserver", "portmapper", "tn5250":
		r.IBMi = true
	default:
		se, ok := e.cat.ByName(r.Service)
		r.IBMi = (ok && se.IBMi) || (!ok && strings.HasPrefix(r.Service, "as-"))
	}
}

// tlsName is the name of the TLS variant of a service: itself when it is a
// TLS service, else its TLS twin, else the name unchanged.
func (e *Engine) tlsName(name string) string {
	if strings.HasSuffix(name, "-s") {
		return name
	}
	if ent, ok := e.cat.ByName(name); ok {
		if ent.TLS || ent.TLSTwin == "" {
			return name
		}
		return ent.TLSTwin
	}
	return name
}

// policy raises the findings that depend on where the flow went rather than
// on one protocol's messages, then appends the detector's own findings.
func (e *Engine) policy(f *flow, r *Flow) {
	v := f.verdict()
	proto := catalog.Proto(f.transport)
	addr, port := f.server().Addr(), f.server().Port()
	l, fromMapper := e.learned[makeHostKey(f.k.vlan, addr, port)]

	if r.Inspected {
		clearFromStart := !v.Encrypted
		ent, ok := e.cat.LookupHost(addr, proto, port)
		tlsPort := (ok && ent.TLS) || (fromMapper && l.tls)
		onTLSPort := false
		if clearFromStart && tlsPort && r.Service != "as-svrmap" {
			onTLSPort = true
			how := "catalog"
			if fromMapper && l.tls {
				how = "portmapper"
			}
			r.Findings = append(r.Findings, detect.Finding{
				Kind: detect.KindPlaintextOnTLSPort, Severity: detect.SevHigh,
				Message: fmt.Sprintf("non-TLS payload (%s) on TLS port %d", orUnknown(v.Protocol), port),
				Port:    int(port), Learned: how,
			})
		}
		// Data connections share their control connection's finding.
		// A session that went back to clear (CCC) has its own finding.
		if !r.Encrypted && !onTLSPort && !v.Downgraded && r.Service != "as-svrmap" && f.expected == nil {
			// A service's TLS form exists on its own transport only:
			// connectionless LDAP over UDP has none.
			if se, ok := e.cat.ByName(r.Service); (ok && se.TLSExpected && se.Proto == proto) || (!ok && v.Protocol == "hostserver") {
				fd := detect.Finding{
					Kind: detect.KindPlaintextWhereTLSExpected, Severity: detect.SevHigh,
					Message: fmt.Sprintf("plaintext %s session", r.Service),
					Port:    int(port),
				}
				if tw, ok := e.cat.Twin(r.Service); ok {
					fd.TLSPort = int(tw.Port)
					fd.Message += fmt.Sprintf("; TLS is available as %s on port %d", tw.Name, tw.Port)
				} else if se.Upgrade != "" {
					fd.Message += fmt.Sprintf(" without %s", se.Upgrade)
				}
				r.Findings = append(r.Findings, fd)
			}
		}
	}
	if t := &v.TLS; t.Seen {
		switch {
		case t.Negotiated != 0 && weakVersion(t.Negotiated):
			r.Findings = append(r.Findings, detect.Finding{
				Kind: detect.KindWeakTLSVersion, Severity: detect.SevMedium,
				Message: fmt.Sprintf("%s negotiated", VersionName(t.Negotiated)),
			})
		case t.Negotiated == 0 && t.Offered != 0 && weakVersion(t.Offered):
			r.Findings = append(r.Findings, detect.Finding{
				Kind: detect.KindWeakTLSVersion, Severity: detect.SevInfo,
				Message: fmt.Sprintf("client offered at most %s", VersionName(t.Offered)),
			})
		}
	}
	if v.Downgraded {
		r.Findings = append(r.Findings, detect.Finding{
			Kind: detect.KindTLSDowngrade, Severity: detect.SevHigh,
			Message:  "CCC after AUTH TLS: the control connection went back to clear text",
			Protocol: "ftp CCC",
		})
	}
	if v.Upgraded {
		r.Findings = append(r.Findings, detect.Finding{
			Kind: detect.KindTLSUpgrade, Severity: detect.SevInfo,
			Message: fmt.Sprintf("%s succeeded; the session is encrypted from there", orUnknown(v.UpgradeHow)),
		})
	}
	if r.IBMi && f.expected == nil && (r.LabelSource == SourcePortmapper || r.LabelSource == SourceSignature) && r.Service != "as-svrmap" {
		if se, ok := e.cat.ByName(r.Service); ok && se.Port != 0 && se.Port != port {
			how := "datastream"
			if fromMapper {
				how = "portmapper" // announced, whatever the bytes later confirmed
			}
			r.Findings = append(r.Findings, detect.Finding{
				Kind: detect.KindRemappedPort, Severity: detect.SevInfo,
				Message: fmt.Sprintf("%s on port %d instead of %d (learned from the %s)", r.Service, port, se.Port, how),
				Port:    int(port), Learned: how,
			})
		}
	}
	r.Findings = append(r.Findings, v.Findings...)
	e.basis(r)
}

// basis fills in what each finding rests on. A detector's finding rests on
// the bytes; a policy finding on what named the service (the bytes, the
// port mapper, or the port alone); a remapped port on how it was learned.
func (e *Engine) basis(r *Flow) {
	label := detect.BasisBytes
	switch r.LabelSource {
	case SourcePortmapper:
		label = detect.BasisPortmapper
	case SourcePort, SourceSite, SourceNone:
		label = detect.BasisPort
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Basis != "" {
			continue
		}
		switch f.Kind {
		case detect.KindPlaintextWhereTLSExpected:
			f.Basis = label
		case detect.KindPlaintextOnTLSPort:
			f.Basis = detect.BasisPort
			if f.Learned == "portmapper" {
				f.Basis = detect.BasisPortmapper
			}
		case detect.KindRemappedPort:
			f.Basis = detect.BasisBytes
			if f.Learned == "portmapper" {
				f.Basis = detect.BasisPortmapper
			}
		default:
			f.Basis = detect.BasisBytes
		}
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unrecognised"
	}
	return s
}

func weakVersion(v uint16) bool { return v != 0 && v <= 0x0302 }

// VersionName renders a TLS/SSL protocol version as in flow records
// ("TLS 1.2", "SSL 3.0").
func VersionName(v uint16) string {
	if s, ok := versionName(v); ok {
		return s
	}
	return fmt.Sprintf("0x%04x", v)
}

// AppendVersionName appends VersionName(v) to b without allocating: the
// record encoder writes one or two per flow.
func AppendVersionName(b []byte, v uint16) []byte {
	if s, ok := versionName(v); ok {
		return append(b, s...)
	}
	const hex = "0123456789abcdef"
	return append(b, '0', 'x', hex[v>>12], hex[v>>8&0xF], hex[v>>4&0xF], hex[v&0xF])
}

// versionName names the versions flow records know; ok is false for any
// other number.
func versionName(v uint16) (name string, ok bool) {
	switch v {
	case 0x0002:
		return "SSL 2.0", true
	case 0x0300:
		return "SSL 3.0", true
	case 0x0301:
		return "TLS 1.0", true
	case 0x0302:
		return "TLS 1.1", true
	case 0x0303:
		return "TLS 1.2", true
	case 0x0304:
		return "TLS 1.3", true
	case 0:
		return "", true
	}
	return "", false
}
