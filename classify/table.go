package classify

import (
	"net/netip"
	"sort"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/catalog"
)

// flowList is an intrusive doubly linked list, least recently seen first.
type flowList struct{ head, tail *flow }

func (l *flowList) pushBack(f *flow) {
	f.prev, f.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = f
	} else {
		l.head = f
	}
	l.tail = f
}

func (l *flowList) unlink(f *flow) {
	if f.prev != nil {
		f.prev.next = f.next
	} else {
		l.head = f.next
	}
	if f.next != nil {
		f.next.prev = f.prev
	} else {
		l.tail = f.prev
	}
	f.prev, f.next = nil, nil
}

func (e *Engine) listOf(f *flow) *flowList {
	switch {
	case f.closed:
		return &e.lists[listClosed]
	case f.transport == capture.UDP:
		return &e.lists[listUDP]
	}
	return &e.lists[listTCP]
}

// touch moves f to the tail of its list (most recently seen).
func (e *Engine) touch(f *flow) {
	l := e.listOf(f)
	if l.tail == f {
		return
	}
	l.unlink(f)
	l.pushBack(f)
}

// newFlow creates and orients the flow of p, evicting when the table is full.
func (e *Engine) newFlow(k key, h uint64, p *capture.Packet, ts time.Time) *flow {
	e.inspectDirty()
	if e.flows.len() >= e.cfg.MaxFlows {
		e.evictOne()
	}
	var f *flow
	if n := len(e.free); n > 0 {
		f = e.free[n-1]
		e.free = e.free[:n-1]
	} else {
		f = new(flow)
	}
	*f = flow{k: k, transport: p.Transport, start: ts.UnixNano(), last: ts.UnixNano(), firstPacket: p.Number, matched: -1, buffering: true, gen: f.gen + 1, v6: p.Src.Is6()}

	srcA := fromA(k, p)
	switch {
	case p.Transport == capture.TCP && p.TCPFlags&capture.FlagSYN != 0:
		// SYN from the client, or SYN-ACK from the server.
		f.clientA = srcA
		if p.TCPFlags&capture.FlagACK != 0 {
			f.clientA = !srcA
			f.midStream = true // the client's SYN was not seen
		}
	default:
		src, dst := netip.AddrPortFrom(p.Src, p.SrcPort), netip.AddrPortFrom(p.Dst, p.DstPort)
		client, _ := e.orient(src, dst, p.Transport)
		f.clientA = srcA == (client == src)
		f.midStream = p.Transport == capture.TCP
	}
	if x, ok := e.dataExpectation(f); ok {
		// A copy declared here: taking x's own address would move x to
		// the heap on every call, one allocation per new flow.
		kept := x
		f.expected = &kept
	}
	e.flows.put(f, h)
	e.listOf(f).pushBack(f)
	e.stats.Flows++
	return f
}

// orient picks client and server without a SYN: the side whose port the
// catalog knows better is the server (an IBM i or site entry over a single
// general-list port over a narrow range); when they tie, the lower port.
func (e *Engine) orient(src, dst netip.AddrPort, transport uint8) (client, server netip.AddrPort) {
	proto := catalog.Proto(transport)
	sk := e.portRank(src.Addr(), proto, src.Port())
	dk := e.portRank(dst.Addr(), proto, dst.Port())
	switch {
	case dk > sk:
		return src, dst
	case sk > dk:
		return dst, src
	case src.Port() < dst.Port():
		return dst, src
	}
	return src, dst
}

// portRank says how surely a port names a listening service: 3 for an IBM i
// or site entry, 2 for a single port of the general list, 1 for a narrow
// range, 0 otherwise.
func (e *Engine) portRank(addr netip.Addr, proto catalog.Proto, port uint16) int {
	ent, ok := e.cat.LookupHost(addr, proto, port)
	switch {
	case !ok || !specific(ent):
		return 0
	case ent.Source == "ibmi" || ent.Source == "site":
		return 3
	case ent.Port == ent.PortHigh:
		return 2
	}
	return 1
}

// known reports whether a host's port has a catalog entry of its own that
// names it (not just a range), site entries for that host included.
func (e *Engine) known(addr netip.Addr, proto catalog.Proto, port uint16) bool {
	return e.portRank(addr, proto, port) > 0
}

// evictOne makes room: a closed flow first (its record is due anyway), else
// the least recently seen open flow, whose record is written with
// EndEvicted.
func (e *Engine) evictOne() {
	e.phase = phaseEvict
	if f := e.lists[listClosed].head; f != nil {
		e.finish(f, endReasons[f.endReason])
		e.remove(f)
		return
	}
	a, b := e.lists[listTCP].head, e.lists[listUDP].head
	victim := a
	if victim == nil || (b != nil && b.last < a.last) {
		victim = b
	}
	if victim == nil {
		return
	}
	e.stats.Evicted++
	e.finish(victim, EndEvicted)
	e.remove(victim)
	e.prefetchVictims()
}

// expire ends flows idle for longer than their timeout and drops tombstones
// past their linger time.
func (e *Engine) expire() {
	e.phase = phaseLinger
	for f := e.lists[listClosed].head; f != nil && e.now.UnixNano()-f.last > int64(e.cfg.Linger); f = e.lists[listClosed].head {
		e.finish(f, endReasons[f.endReason])
		e.remove(f)
	}
	e.phase = phaseIdleTCP
	e.expireList(&e.lists[listTCP], e.cfg.TCPIdle)
	e.phase = phaseIdleUDP
	e.expireList(&e.lists[listUDP], e.cfg.UDPIdle)
	for k, x := range e.expect {
		if e.now.After(x.until) {
			delete(e.expect, k)
		}
	}
}

func (e *Engine) expireList(l *flowList, idle time.Duration) {
	for f := l.head; f != nil && e.now.UnixNano()-f.last > int64(idle); f = l.head {
		e.stats.IdleExpired++
		e.finish(f, EndIdle)
		e.remove(f)
	}
}

// remove takes f out of the table and recycles it.
func (e *Engine) remove(f *flow) {
	e.listOf(f).unlink(f)
	e.flows.remove(f, e.flows.hash(&f.k))
	e.freeDetail(f)
	e.freeOutcome(f)
	f.expected = nil
	e.free = append(e.free, f)
}

// Flush ends every flow still open, in order of their start, as at the end
// of input.
func (e *Engine) Flush() { e.FlushWith(EndFlush) }

// FlushWith ends every flow still open, in order of their start, with the
// end reason given (EndShutdown when a sensor stops).
func (e *Engine) FlushWith(reason string) {
	var open []*flow
	for _, l := range []*flowList{&e.lists[listTCP], &e.lists[listUDP], &e.lists[listClosed]} {
		for f := l.head; f != nil; f = f.next {
			open = append(open, f)
		}
	}
	sort.SliceStable(open, func(i, j int) bool { return open[i].start < open[j].start })
	for _, f := range open {
		e.phase = phaseFlush
		e.finish(f, reason)
		e.remove(f)
	}
}
