package compliance

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ibmitap/ibmitap/catalog"
	"github.com/ibmitap/ibmitap/record"
)

// Report assembles the report. It may be called once the flows are in; the
// result does not depend on the order the flows came in.
func (b *Builder) Report() *Report {
	r := &Report{Schema: Schema, Top: b.opt.Top, Redacted: b.opt.Pseudonym != nil}
	r.Period = b.period()
	r.Systems = b.systems()
	r.Coverage = b.coverage(len(r.Systems))
	r.Controls = b.controls()
	r.Exposures = b.exposureRows()
	r.Clients = b.clientRows()
	r.EnforcementImpact = b.impact()
	r.Findings = b.findingRows()
	r.Remediation = remediation(r.Findings)
	r.Trend = b.trend()
	if b.opt.Baseline != nil {
		r.Baseline = compare(b.opt.Baseline, b.opt.BaselineFile, r.Exposures)
	}
	return r
}

func (b *Builder) period() Period {
	p := Period{FirstSeen: b.seen.first, LastSeen: b.seen.last, From: b.seen.first, Until: b.seen.last}
	if !b.opt.Since.IsZero() {
		p.From = b.opt.Since.UTC().Format(record.TimeLayout)
	}
	if !b.opt.Until.IsZero() {
		p.Until = b.opt.Until.UTC().Format(record.TimeLayout)
	}
	return p
}

func (b *Builder) isIBMi(addr string) bool {
	s := b.servers[addr]
	return s != nil && s.ibmi
}

func (b *Builder) coverage(systems int) Coverage {
	c := Coverage{Sensors: sortedSet(b.sensors), Runs: len(b.runs), Known: len(b.runs) > 0,
		Systems: systems, Flows: b.flows, NoPayload: b.noPayload, Uninspected: b.uninspected, CaptureLoss: -1}
	inputs := map[string]bool{}
	var gap, payload uint64
	lossKnown := false
	for _, r := range b.runs {
		for _, in := range r.Inputs {
			inputs[in] = true
		}
		c.Packets += r.Packets
		c.KernelDrops += r.KernelDrops
		c.OutputDrops += r.OutputDrops
		c.Evicted += r.Evicted
		if r.CaptureLoss >= 0 {
			lossKnown = true
			gap += r.GapBytes
			payload += r.PayloadBytes
		}
	}
	if len(b.runs) == 0 {
		for _, in := range b.opt.Inputs {
			inputs[in] = true
		}
	}
	c.Inputs = sortedSet(inputs)
	if lossKnown && gap+payload > 0 {
		c.CaptureLoss = float64(gap) / float64(gap+payload)
	}
	c.Statement = statement(&c)
	return c
}

// statement says in plain words what the report can and cannot prove.
func statement(c *Coverage) string {
	var s []string
	s = append(s, fmt.Sprintf("This report rests on %d flow records", c.Flows))
	if len(c.Sensors) > 0 {
		s[0] += fmt.Sprintf(" from %d sensor(s) (%s)", len(c.Sensors), strings.Join(c.Sensors, ", "))
	}
	s[0] += fmt.Sprintf(" and %d IBM i system(s).", c.Systems)
	if !c.Known {
		s = append(s, "Coverage unknown: the input carries no run summary, so the packets read and any capture or output drops are not known; the verdicts hold only for the flows present.")
	} else {
		s = append(s, fmt.Sprintf("%d run(s) read %d packets; the kernel dropped %d and the output dropped %d; %d flows were evicted from a full flow table.",
			c.Runs, c.Packets, c.KernelDrops, c.OutputDrops, c.Evicted))
		if c.CaptureLoss >= 0 {
			s = append(s, fmt.Sprintf("Estimated capture loss: %.2f%% of payload bytes.", 100*c.CaptureLoss))
		} else {
			s = append(s, "Capture loss could not be estimated.")
		}
	}
	if c.NoPayload+c.Uninspected > 0 {
		s = append(s, fmt.Sprintf("%d flows carried no payload and %d could not be inspected; they prove nothing either way.", c.NoPayload, c.Uninspected))
	}
	s = append(s, "A pass proves only that no violation crossed the observed links in the period; traffic on paths the sensors do not see, and content inside encrypted sessions, is outside what it can prove.")
	return strings.Join(s, " ")
}

func (b *Builder) controls() []Control {
	out := make([]Control, 0, len(controls))
	for i := range controls {
		c := &controls[i]
		judged, failed := 0, 0
		for _, s := range b.servers {
			ib := 0
			if s.ibmi {
				ib = 1
			}
			judged += s.ctl[i][ib][0]
			failed += s.ctl[i][ib][1]
		}
		x := Control{ID: c.id, Title: c.title, Summary: c.summary, Requirements: c.requirements, Assessed: judged}
		switch {
		case failed > 0:
			x.Status, x.Evidence, x.Reason = Fail, failed, c.failText
		case judged > 0:
			x.Status, x.Evidence, x.Reason = Pass, judged, c.passText
		default:
			x.Status, x.Reason = NotAssessed, c.noneText
		}
		out = append(out, x)
	}
	return out
}

func (b *Builder) systems() []System {
	out := []System{}
	for addr, s := range b.servers {
		if !s.ibmi {
			continue
		}
		y := System{Address: addr}
		for k, v := range s.services {
			y.Flows += v.flows
			y.Plaintext += v.plain
			y.TLS += v.tls
			y.Services = append(y.Services, Service{
				Service: k.service, Port: k.port, IBMi: v.ibmi,
				Flows: v.flows, Plaintext: v.plain, TLS: v.tls, NoPayload: v.nopay, Bytes: v.bytes,
				ClientCount: v.clients.len(), Clients: v.clients.top(b.opt.Top),
				UserCount: v.users.len(), Users: v.users.top(b.opt.Top),
				TLSVersions: sortedSet(v.versions), FirstSeen: v.seen.first, LastSeen: v.seen.last,
			})
		}
		sort.Slice(y.Services, func(i, j int) bool {
			if y.Services[i].Service != y.Services[j].Service {
				return y.Services[i].Service < y.Services[j].Service
			}
			return y.Services[i].Port < y.Services[j].Port
		})
		out = append(out, y)
	}
	sort.Slice(out, func(i, j int) bool { return addrLess(out[i].Address, out[j].Address) })
	return out
}

var classOrder = map[string]int{ClassPassword: 0, ClassSubstitute: 1, ClassUserID: 2}

func (b *Builder) exposureRows() []Exposure {
	out := make([]Exposure, 0, len(b.exposures))
	for k, e := range b.exposures {
		out = append(out, Exposure{Class: k.class, User: k.user, System: k.system, Service: k.service,
			Mechanisms: sortedList(e.mech), ClientCount: e.clients.len(), Clients: e.clients.top(b.opt.Top),
			Flows: e.flows, FirstSeen: e.seen.first, LastSeen: e.seen.last})
	}
	sortExposures(out)
	return out
}

func sortExposures(out []Exposure) {
	sort.Slice(out, func(i, j int) bool {
		a, c := out[i], out[j]
		if a.Class != c.Class {
			return classOrder[a.Class] < classOrder[c.Class]
		}
		if a.User != c.User {
			return a.User < c.User
		}
		if a.System != c.System {
			return addrLess(a.System, c.System)
		}
		return a.Service < c.Service
	})
}

func (b *Builder) clientRows() []Client {
	out := []Client{}
	for addr, c := range b.clients {
		funcs, svcs, plain := map[string]bool{}, map[string]bool{}, map[string]bool{}
		ibmi := false
		for _, use := range c.uses.keys() {
			u := splitUse(use)
			if !b.isIBMi(u[1]) {
				continue
			}
			ibmi = true
			svcs[u[0]] = true
			if e, ok := b.cat.ByName(u[0]); ok {
				for _, fn := range e.Functions {
					funcs[fn] = true
				}
			}
		}
		for _, use := range c.plain.keys() {
			plain[splitUse(use)[0]] = true
		}
		if !ibmi && len(plain) == 0 {
			continue // a client of neither an IBM i nor a plaintext service
		}
		for _, use := range c.uses.keys() {
			svcs[splitUse(use)[0]] = true
		}
		out = append(out, Client{Address: addr, Flows: c.flows, Functions: sortedSet(funcs),
			Services: sortedSet(svcs), Plaintext: sortedSet(plain),
			UserCount: c.users.len(), Users: c.users.top(b.opt.Top),
			FirstSeen: c.seen.first, LastSeen: c.seen.last})
	}
	sort.Slice(out, func(i, j int) bool { return addrLess(out[i].Address, out[j].Address) })
	return out
}

// measureFor names the TLS-only setting that closes a plain service on an
// IBM i, with the remedy that explains it.
func measureFor(svc string, port uint16) (measure, remedy string, ok bool) {
	switch {
	case svc == "telnet":
		return "CHGTELNA ALWSSL(*ONLY)", "telnet-tls-only", true
	case port >= 8470 && port <= 8479 && strings.HasPrefix(svc, "as-"):
		return "port restriction 8470-8479 (CFGTCP option 4, QSECOFR only)", "host-servers-tls-only", true
	case hostServer[svc]:
		return fmt.Sprintf("port restriction on moved port %d (CFGTCP option 4, QSECOFR only)", port), "host-servers-tls-only", true
	case svc == "ftp" || svc == "ftp-data":
		return "FTP TLS required (CHGFTPA ALWSSL(*ONLY))", "ftp-tls-required", true
	case svc == "drda":
		return "DDM/DRDA TLS required", "ddm-tls-required", true
	}
	return "", "", false
}

func (b *Builder) impact() []Impact {
	out := []Impact{}
	for addr, s := range b.servers {
		if !s.ibmi {
			continue
		}
		for k, v := range s.services {
			m, rem, ok := measureFor(k.service, k.port)
			if !ok || v.plain == 0 || b.cat.IsTLSPort(catalog.TCP, k.port) {
				// Plaintext on a TLS port is a misconfigured server,
				// not something a TLS-only setting closes.
				continue
			}
			loop := false
			for _, c := range v.plainClients.keys() {
				loop = loop || (rem == "host-servers-tls-only" && isLoopback(c))
			}
			out = append(out, Impact{Measure: m, Remedy: rem, System: addr, Service: k.service, Port: k.port,
				Flows: v.plain, ClientCount: v.plainClients.len(), Clients: v.plainClients.top(b.opt.Top),
				UserCount: v.plainUsers.len(), Users: v.plainUsers.top(b.opt.Top),
				Loopback: loop, LastSeen: v.plainSeen.last})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, c := out[i], out[j]
		if a.System != c.System {
			return addrLess(a.System, c.System)
		}
		if a.Service != c.Service {
			return a.Service < c.Service
		}
		return a.Port < c.Port
	})
	return out
}

func (b *Builder) findingRows() []FindingGroup {
	out := make([]FindingGroup, 0, len(b.findings))
	for k, g := range b.findings {
		fg := FindingGroup{Kind: k.kind, Severity: k.severity, System: k.system, Service: k.service,
			Count: g.count, ClientCount: g.clients.len(), Clients: g.clients.top(b.opt.Top),
			UserCount: g.users.len(), Users: g.users.top(b.opt.Top),
			FirstSeen: g.seen.first, LastSeen: g.seen.last, Samples: g.samples.list}
		if r, ok := catalog.RemedyFor(k.kind, k.service); ok {
			fg.Remedy = r.ID
		}
		out = append(out, fg)
	}
	sort.Slice(out, func(i, j int) bool {
		a, c := out[i], out[j]
		if ra, rc := record.SeverityRank(a.Severity), record.SeverityRank(c.Severity); ra != rc {
			return ra > rc
		}
		if a.Kind != c.Kind {
			return a.Kind < c.Kind
		}
		if a.System != c.System {
			return addrLess(a.System, c.System)
		}
		return a.Service < c.Service
	})
	return out
}

// remediation lists each remedy the finding groups call for, with the
// systems and services it applies to.
func remediation(groups []FindingGroup) []Remediation {
	byID := map[string]*Remediation{}
	targets := map[string]map[string]bool{}
	kinds := map[string]map[string]bool{}
	var order []string
	for _, g := range groups {
		if g.Remedy == "" {
			continue
		}
		if byID[g.Remedy] == nil {
			r, _ := catalog.RemedyFor(g.Kind, g.Service)
			byID[g.Remedy] = &Remediation{ID: r.ID, Title: r.Title, Steps: r.Steps, Cautions: r.Cautions}
			targets[g.Remedy], kinds[g.Remedy] = map[string]bool{}, map[string]bool{}
			order = append(order, g.Remedy)
		}
		targets[g.Remedy][g.System+" "+g.Service] = true
		kinds[g.Remedy][g.Kind] = true
	}
	out := make([]Remediation, 0, len(order))
	for _, id := range order {
		r := byID[id]
		r.Targets, r.Kinds = sortedSet(targets[id]), sortedSet(kinds[id])
		out = append(out, *r)
	}
	return out
}

func (b *Builder) trend() []Day {
	out := make([]Day, 0, len(b.days))
	for _, d := range b.days {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// ParseTime reads a --since/--until value: RFC 3339 (with or without
// fractional seconds) or a date (midnight UTC).
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2026-11-21T00:00:00Z) or a date (2026-11-21)", s)
}

// splitUse takes a client's "service\x00server" use apart.
func splitUse(s string) [2]string {
	svc, server, _ := strings.Cut(s, "\x00")
	return [2]string{svc, server}
}

func sortedList(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}
