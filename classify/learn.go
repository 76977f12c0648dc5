package classify

import (
	"net/netip"

	"github.com/ibmitap/ibmitap/catalog"
	"strings"
	"time"
)

// learned is one per-host fact: which service listens on a server port.
type learned struct {
	service string // as announced, with "-s" for TLS services
	tls     bool
	from    string // SourcePortmapper or SourceSignature
	at      time.Time
}

// expectation is a connection announced by another flow (FTP data).
type expectation struct {
	service   string
	control   FlowRef
	protected bool // the control connection was upgraded to TLS
	until     time.Time
}

// expectTTL is how long an announced data connection is waited for.
const expectTTL = 2 * time.Minute

// learnFrom records what the latest inspection of f taught about its server:
// port-mapper answers, datastream signatures on a port, announced data
// connections.
func (e *Engine) learnFrom(f *flow) {
	v := &f.verdict
	srv := f.server.Addr()
	for _, m := range v.Learn {
		e.learn(makeHostKey(srv, m.Port), learned{
			service: m.Service,
			tls:     strings.HasSuffix(m.Service, "-s"),
			from:    SourcePortmapper,
			at:      e.now,
		})
	}
	if v.Protocol == "hostserver" && v.Service != "" {
		hk := makeHostKey(srv, f.server.Port())
		if old, ok := e.learned[hk]; !ok || old.from != SourcePortmapper {
			e.learn(hk, learned{service: v.Service, from: SourceSignature, at: e.now})
		}
	}
	if !f.ftpControl && e.protectedFTPControl(f) {
		// Data connections of an encrypted FTP session are announced inside
		// TLS; while the control connection lives, the same client's TLS
		// connections to the same server on unregistered ports are its data
		// connections.
		f.ftpControl = true
		e.ftpCtl[pairKey{f.client.Addr().As16(), srv.As16()}] = expectation{
			service:   "ftps-data",
			control:   FlowRef{Transport: f.transport, Client: f.client, Server: f.server},
			protected: true,
		}
	}
	for _, x := range v.Expect {
		addr := x.Addr
		if !addr.IsValid() {
			addr = srv
		}
		e.addExpectation(f, addr, x.Port, x.Service)
	}
}

func (e *Engine) learn(hk hostKey, l learned) {
	old, ok := e.learned[hk]
	if ok && old.service == l.service && old.from == l.from {
		old.at = l.at
		e.learned[hk] = old
		return
	}
	if !ok && len(e.learned) >= e.cfg.MaxLearned {
		for k := range e.learned { // drop an arbitrary old fact to stay bounded
			delete(e.learned, k)
			e.stats.LearnedEvicted++
			break
		}
	}
	e.learned[hk] = l
	e.stats.Learned++
}

func (e *Engine) addExpectation(f *flow, addr netip.Addr, port uint16, service string) {
	if port == 0 || len(e.expect) >= e.cfg.MaxLearned {
		return
	}
	e.expect[makeHostKey(addr, port)] = expectation{
		service:   service,
		control:   FlowRef{Transport: f.transport, Client: f.client, Server: f.server},
		protected: f.verdict.Upgraded || f.verdict.Encrypted,
		until:     e.now.Add(expectTTL),
	}
}

// pairKey names a client and server address pair.
type pairKey struct{ client, server [16]byte }

// protectedFTPControl reports whether f is an FTP control connection whose
// commands are encrypted: implicit FTPS or FTP after AUTH TLS.
func (e *Engine) protectedFTPControl(f *flow) bool {
	v := &f.verdict
	if v.Protocol == "ftp" {
		return v.Upgraded
	}
	if v.Protocol != "tls" {
		return false
	}
	ent, ok := e.cat.Lookup(catalog.Proto(f.transport), f.server.Port())
	return ok && ent.Name == "ftps"
}

// dataExpectation finds what announced a new flow: an FTP PASV/PORT answer
// for its exact server endpoint, or an encrypted FTP session between the same
// hosts for a connection between two unregistered ports.
func (e *Engine) dataExpectation(f *flow) (expectation, bool) {
	if x, ok := e.expect[makeHostKey(f.server.Addr(), f.server.Port())]; ok && !e.now.After(x.until) {
		return x, true
	}
	if f.transport != 6 || f.server.Port() < 1024 || f.client.Port() < 1024 || e.known(catalog.TCP, f.server.Port()) {
		return expectation{}, false
	}
	x, ok := e.ftpCtl[pairKey{f.client.Addr().As16(), f.server.Addr().As16()}]
	return x, ok
}

// forgetFTPControl drops the encrypted-FTP pairing of a control flow that
// ends.
func (e *Engine) forgetFTPControl(f *flow) {
	if !f.ftpControl {
		return
	}
	pk := pairKey{f.client.Addr().As16(), f.server.Addr().As16()}
	if x, ok := e.ftpCtl[pk]; ok && x.control.Client == f.client && x.control.Server == f.server {
		delete(e.ftpCtl, pk)
	}
}
