package classify

import (
	"net/netip"
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
