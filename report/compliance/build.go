package compliance

import (
	"fmt"
	"strings"
	"time"

	"github.com/ibmitap/ibmitap/catalog"
	"github.com/ibmitap/ibmitap/record"
)

// Options configure a report.
type Options struct {
	// Since and Until bound the period; zero values leave it open. A flow
	// belongs to the period when it overlaps it.
	Since, Until time.Time
	// Top bounds the clients, users and samples listed per row (default 10).
	Top int
	// Catalog names services and their client functions (default: the
	// embedded catalog).
	Catalog *catalog.Catalog
	// Pseudonym, when set, replaces every user profile (--redact-users).
	Pseudonym func(user string) string
	// Inputs names what was read, shown when no run summary names it.
	Inputs []string
	// Baseline is an earlier report to compare the exposures with, and
	// BaselineFile its name.
	Baseline     *Report
	BaselineFile string
}

// samplesPerGroup is how many sample flows each finding group keeps.
const samplesPerGroup = 3

// Builder accumulates flows and runs into a report. Its memory grows with
// the distinct groups (servers × services, clients, users, finding groups,
// days), not with the flows.
type Builder struct {
	opt       Options
	cat       *catalog.Catalog
	servers   map[string]*serverAgg
	clients   map[string]*clientAgg
	exposures map[expKey]*expAgg
	findings  map[findKey]*findAgg
	days      map[string]*Day
	runs      []record.Run
	sensors   map[string]bool
	tlsForm   map[string]bool // cache: service name -> has an encrypted form
	in        *interner

	flows, noPayload, uninspected uint64
	seen                          span
}

type serverAgg struct {
	ibmi     bool
	services map[svcKey]*svcAgg
	// ctl counts per control [judged, failed] twice: as if the server is
	// not an IBM i [0] and as if it is [1]; which applies is known only at
	// the end.
	ctl [][2][2]int
}

type svcKey struct {
	service string
	port    uint16
}

type svcAgg struct {
	ibmi                            bool
	flows, plain, tls, nopay, bytes uint64
	clients, users                  counter
	plainClients, plainUsers        counter
	versions                        map[string]bool
	seen, plainSeen                 span
}

type clientAgg struct {
	flows uint64
	uses  counter // "service\x00server address"
	plain counter
	users counter
	seen  span
}

type expKey struct{ class, user, system, service string }

type expAgg struct {
	mech    []string
	clients counter
	flows   uint64
	seen    span
}

type findKey struct{ kind, severity, system, service string }

type findAgg struct {
	count          uint64
	clients, users counter
	seen           span
	samples        samples
}

// NewBuilder returns an empty builder.
func NewBuilder(opt Options) *Builder {
	if opt.Top <= 0 {
		opt.Top = 10
	}
	cat := opt.Catalog
	if cat == nil {
		cat = catalog.Default()
	}
	return &Builder{
		opt: opt, cat: cat,
		servers:   map[string]*serverAgg{},
		clients:   map[string]*clientAgg{},
		exposures: map[expKey]*expAgg{},
		findings:  map[findKey]*findAgg{},
		days:      map[string]*Day{},
		sensors:   map[string]bool{},
		tlsForm:   map[string]bool{},
		in:        newInterner(),
	}
}

// InPeriod says whether a flow from start to end overlaps the period.
func (b *Builder) InPeriod(start, end string) bool {
	if !b.opt.Since.IsZero() {
		if t, err := time.Parse(time.RFC3339Nano, end); err == nil && t.Before(b.opt.Since) {
			return false
		}
	}
	if !b.opt.Until.IsZero() {
		if t, err := time.Parse(time.RFC3339Nano, start); err == nil && !t.Before(b.opt.Until) {
			return false
		}
	}
	return true
}

// AddRun adds a run summary (coverage) when it overlaps the period.
func (b *Builder) AddRun(r record.Run) {
	if r.Start != "" && r.End != "" && !b.InPeriod(r.Start, r.End) {
		return
	}
	b.runs = append(b.runs, r)
	if r.Sensor != "" {
		b.sensors[r.Sensor] = true
	}
}

// Add adds one flow record when it overlaps the period. The builder keeps
// nothing of f past the call.
func (b *Builder) Add(f *record.Flow) {
	if !b.InPeriod(f.Start, f.End) {
		return
	}
	b.flows++
	b.seen.add(f.Start, f.End)
	if f.Sensor != "" {
		b.sensors[f.Sensor] = true
	}
	switch {
	case f.Uninspected:
		b.uninspected++
	case f.Encrypted == nil:
		b.noPayload++
	}
	user := b.user(f.User)
	client, server := f.ClientAddr(), f.ServerAddr()

	s := b.servers[server]
	if s == nil {
		s = &serverAgg{services: map[svcKey]*svcAgg{}, ctl: make([][2][2]int, len(controls))}
		b.servers[server] = s
	}
	s.ibmi = s.ibmi || f.IBMi
	b.addService(s, f, client, user)
	b.addControls(s, f)
	b.addClient(f, client, server, user)
	b.addTrend(f)
	b.addFindings(f, client, server, user)
}

// user is a user profile as the report shows it: pseudonymised when asked,
// else with control characters (terminal escapes off the wire) replaced.
func (b *Builder) user(u string) string {
	if u == "" {
		return u
	}
	if b.opt.Pseudonym != nil {
		return b.opt.Pseudonym(u)
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '\uFFFD'
		}
		return r
	}, u)
}

func (b *Builder) addService(s *serverAgg, f *record.Flow, client, user string) {
	k := svcKey{f.Service, f.ServerPort()}
	if f.Service == "ftp-data" || f.Service == "ftps-data" {
		k.port = 0 // passive data ports are dynamic: one row per service
	}
	v := s.services[k]
	if v == nil {
		in := b.in
		v = &svcAgg{clients: newCounter(in), users: newCounter(in), plainClients: newCounter(in), plainUsers: newCounter(in), versions: map[string]bool{}}
		s.services[k] = v
	}
	v.ibmi = v.ibmi || f.IBMi
	v.flows++
	v.bytes += f.BytesC2S + f.BytesS2C
	v.seen.add(f.Start, f.End)
	v.clients.add(client)
	v.users.add(user)
	switch {
	case f.Encrypted == nil:
		v.nopay++
	case *f.Encrypted:
		v.tls++
		if f.TLSVersion != "" {
			v.versions[f.TLSVersion] = true
		}
	default:
		v.plain++
		v.plainClients.add(client)
		v.plainUsers.add(user)
		v.plainSeen.add(f.Start, f.End)
	}
}

func (b *Builder) hasTLSForm(svc string) bool {
	if v, ok := b.tlsForm[svc]; ok {
		return v
	}
	e, ok := b.cat.ByName(svc)
	v := ok && (e.TLS || e.TLSTwin != "" || e.Upgrade != "" || e.TLSExpected)
	b.tlsForm[svc] = v
	return v
}

func (b *Builder) addControls(s *serverAgg, f *record.Flow) {
	tf := b.hasTLSForm(f.Service)
	for i := range controls {
		c := &controls[i]
		for ib := 0; ib < 2; ib++ {
			ctx := flowCtx{ibmi: ib == 1, tlsForm: tf}
			if c.fails(f, ctx) {
				s.ctl[i][ib][0]++
				s.ctl[i][ib][1]++
			} else if c.judges(f, ctx) {
				s.ctl[i][ib][0]++
			}
		}
	}
}

func (b *Builder) addClient(f *record.Flow, client, server, user string) {
	c := b.clients[client]
	if c == nil {
		c = &clientAgg{uses: newCounter(b.in), plain: newCounter(b.in), users: newCounter(b.in)}
		b.clients[client] = c
	}
	c.flows++
	c.seen.add(f.Start, f.End)
	c.users.add(user)
	use := f.Service + "\x00" + server
	c.uses.add(use)
	if failsTransmission(f) {
		c.plain.add(use)
	}
}

func (b *Builder) addTrend(f *record.Flow) {
	if len(f.Start) < 10 {
		return
	}
	date := f.Start[:10]
	if t, err := time.Parse(time.RFC3339Nano, f.Start); err == nil {
		date = t.UTC().Format("2006-01-02")
	}
	d := b.days[date]
	if d == nil {
		d = &Day{Date: date, Findings: map[string]uint64{}}
		b.days[date] = d
	}
	switch {
	case f.Encrypted == nil:
	case *f.Encrypted:
		d.TLS++
	default:
		d.Plaintext++
	}
	for i := range f.Findings {
		d.Findings[f.Findings[i].Severity]++
	}
}

// exposureClass maps a finding kind to its exposure class; an anonymous
// FTP "password" (low severity) is no credential and no exposure.
func exposureClass(x *record.Finding) string {
	switch x.Kind {
	case "cleartext_password":
		if record.SeverityRank(x.Severity) > record.SeverityRank("low") {
			return ClassPassword
		}
	case "password_hash_exposed":
		return ClassSubstitute
	case "user_id_exposed":
		return ClassUserID
	}
	return ""
}

func (b *Builder) addFindings(f *record.Flow, client, server, user string) {
	material := false
	seenGroups := map[findKey]bool{}
	seenExp := map[expKey]bool{}
	for i := range f.Findings {
		x := &f.Findings[i]
		u := user
		if x.User != "" {
			u = b.user(x.User)
		}
		if x.Kind == "cleartext_password" || x.Kind == "password_hash_exposed" || x.Kind == "user_id_exposed" {
			material = true
		}
		if class := exposureClass(x); class != "" {
			mech := x.Mechanism
			if mech == "" {
				mech = x.Protocol
			}
			k := expKey{class, u, server, f.Service}
			if !seenExp[k] {
				seenExp[k] = true
				b.addExposure(k, mech, f, client)
			} else {
				b.exposures[k].addMech(mech)
			}
		}
		fk := findKey{x.Kind, x.Severity, server, f.Service}
		if seenGroups[fk] {
			continue
		}
		seenGroups[fk] = true
		g := b.findings[fk]
		if g == nil {
			g = &findAgg{clients: newCounter(b.in), users: newCounter(b.in), samples: samples{n: samplesPerGroup}}
			b.findings[fk] = g
		}
		g.count++
		g.clients.add(client)
		g.users.add(u)
		g.seen.add(f.Start, f.End)
		smp := Sample{CommunityID: f.CommunityID, Client: f.Client, Server: f.Server, Sensor: f.Sensor, FirstSeen: f.Start, LastSeen: f.End}
		if f.Evidence != nil {
			smp.File, smp.FirstPacket = f.Evidence.File, f.Evidence.FirstPacket
		}
		g.samples.add(smp)
	}
	// A user ID in clear with no password material at all is a user_id
	// exposure too.
	if !material && user != "" && plaintext(f) {
		b.addExposure(expKey{ClassUserID, user, server, f.Service}, f.Protocol, f, client)
	}
}

func (b *Builder) addExposure(k expKey, mech string, f *record.Flow, client string) {
	e := b.exposures[k]
	if e == nil {
		e = &expAgg{clients: newCounter(b.in)}
		b.exposures[k] = e
	}
	e.addMech(mech)
	e.clients.add(client)
	e.flows++
	e.seen.add(f.Start, f.End)
}

// String describes the builder's state for debugging.
func (b *Builder) String() string {
	return fmt.Sprintf("compliance.Builder{flows: %d, servers: %d, clients: %d, groups: %d}", b.flows, len(b.servers), len(b.clients), len(b.findings))
}

func (e *expAgg) addMech(m string) {
	if m == "" {
		return
	}
	for _, x := range e.mech {
		if x == m {
			return
		}
	}
	e.mech = append(e.mech, strings.Clone(m))
}
