package classify

import (
	"bytes"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/ibmitap/ibmitap/catalog"
)

// learned is one per-host fact from the port mapper: which service listens
// on a server port.
type learned struct {
	service string // as announced, with "-s" for TLS services
	tls     bool
	at      time.Time
}

// expectation is a connection announced by another flow (FTP data).
type expectation struct {
	service   string
	control   FlowRef
	protected bool // the control connection was encrypted
	// guess marks the pairing of an encrypted FTP session: its data
	// connections were announced inside TLS, so only a TLS flow between the
	// same hosts on unregistered ports is taken as one.
	guess bool
	until time.Time
}

// expectTTL is how long an announced data connection is waited for.
const expectTTL = 2 * time.Minute

// learnFrom records what the latest inspection of f taught about its server:
// port-mapper answers and announced data connections. Detectors rebuild the
// verdict from the whole head each time, in the same order, so only what is
// new since the last inspection is registered.
func (e *Engine) learnFrom(f *flow) {
	v := f.verdict()
	srv := f.server().Addr()
	for _, m := range v.Learn {
		e.learn(makeHostKey(f.k.vlan, srv, m.Port), learned{
			service: m.Service,
			tls:     strings.HasSuffix(m.Service, "-s"),
			at:      e.now,
		})
	}
	if !f.ftpControl && e.protectedFTPControl(f) {
		f.ftpControl = true
		e.ftpCtl[pairKey{f.client().Addr().As16(), srv.As16(), f.k.vlan}] = expectation{
			service:   "ftps-data",
			control:   FlowRef{Transport: f.transport, Client: f.client(), Server: f.server()},
			protected: true,
			guess:     true,
		}
	}
	d := f.o
	if d == nil {
		return // an empty verdict announces nothing
	}
	for i := d.nexpect; i < len(v.Expect); i++ {
		x := v.Expect[i]
		addr := x.Addr
		if !addr.IsValid() {
			addr = srv
		}
		e.addExpectation(f, addr, x.Port, x.Service)
	}
	if len(v.Expect) > d.nexpect {
		d.nexpect = len(v.Expect)
	}
}

// learn stores a port-mapper fact. When the table is full the oldest
// eighth goes at once (ties by address and port), so results do not depend
// on map order and a flood of answers costs O(log n) per fact, not a scan.
func (e *Engine) learn(hk hostKey, l learned) {
	if old, ok := e.learned[hk]; ok && old.service == l.service {
		old.at = l.at
		e.learned[hk] = old
		return
	} else if !ok && len(e.learned) >= e.cfg.MaxLearned {
		e.evictLearned()
	}
	e.learned[hk] = l
	e.stats.Learned++
}

func (e *Engine) evictLearned() {
	keys := make([]hostKey, 0, len(e.learned))
	for k := range e.learned {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := e.learned[keys[i]].at, e.learned[keys[j]].at
		if !a.Equal(b) {
			return a.Before(b)
		}
		return hostKeyLess(keys[i], keys[j])
	})
	n := max(len(keys)/8, 1)
	for _, k := range keys[:n] {
		delete(e.learned, k)
	}
	e.stats.LearnedEvicted += uint64(n)
}

func hostKeyLess(a, b hostKey) bool {
	if c := bytes.Compare(a.addr[:], b.addr[:]); c != 0 {
		return c < 0
	}
	if a.port != b.port {
		return a.port < b.port
	}
	return a.vlan < b.vlan
}

func (e *Engine) addExpectation(f *flow, addr netip.Addr, port uint16, service string) {
	if port == 0 {
		return
	}
	if len(e.expect) >= e.cfg.MaxLearned {
		e.stats.ExpectDropped++
		return
	}
	e.expect[makeHostKey(f.k.vlan, addr, port)] = expectation{
		service:   service,
		control:   FlowRef{Transport: f.transport, Client: f.client(), Server: f.server()},
		protected: f.verdict().Upgraded || f.verdict().Encrypted,
		until:     e.now.Add(expectTTL),
	}
}

// pairKey names a client and server address pair on a VLAN.
type pairKey struct {
	client, server [16]byte
	vlan           uint16
}

// protectedFTPControl reports whether f is an FTP control connection whose
// commands are encrypted: implicit FTPS or FTP after AUTH TLS.
func (e *Engine) protectedFTPControl(f *flow) bool {
	v := f.verdict()
	if v.Protocol == "ftp" {
		return v.Upgraded && !v.Downgraded // after CCC the commands are clear again
	}
	if v.Protocol != "tls" {
		return false
	}
	ent, ok := e.cat.LookupHost(f.server().Addr(), catalog.Proto(f.transport), f.server().Port())
	return ok && ent.Name == "ftps"
}

// dataExpectation finds what announced a new flow: an FTP PASV/PORT answer
// for its exact server endpoint (used up by this flow), or an encrypted FTP
// session between the same hosts for a connection between two unregistered
// ports (a guess the label applies only if the flow turns out to be TLS).
func (e *Engine) dataExpectation(f *flow) (expectation, bool) {
	hk := makeHostKey(f.k.vlan, f.server().Addr(), f.server().Port())
	if x, ok := e.expect[hk]; ok && !e.now.After(x.until) {
		delete(e.expect, hk)
		return x, true
	}
	// Only an IBM i or site entry rules the guess out: the general list
	// names ports that passive FTP ranges use all the time.
	if f.transport != 6 || f.server().Port() < 1024 || f.client().Port() < 1024 ||
		e.portRank(f.server().Addr(), catalog.TCP, f.server().Port()) >= 3 {
		return expectation{}, false
	}
	if _, ok := e.learned[hk]; ok {
		return expectation{}, false // the port mapper named this port
	}
	x, ok := e.ftpCtl[pairKey{f.client().Addr().As16(), f.server().Addr().As16(), f.k.vlan}]
	return x, ok
}

// forgetFTPControl drops the encrypted-FTP pairing of a control flow that
// ends.
func (e *Engine) forgetFTPControl(f *flow) {
	if !f.ftpControl {
		return
	}
	pk := pairKey{f.client().Addr().As16(), f.server().Addr().As16(), f.k.vlan}
	if x, ok := e.ftpCtl[pk]; ok && x.control.Client == f.client() && x.control.Server == f.server() {
		delete(e.ftpCtl, pk)
	}
}
