package classify

import (
	"github.com/ibmitap/ibmitap/classify/detect"
)

// detail returns f's inspection state, taking one from the free list the
// first time. A flow that sends no payload never has one.
func (e *Engine) detail(f *flow) *detail {
	if f.d != nil {
		return f.d
	}
	d := e.details.get()
	for dir := range d.heads {
		if f.synSeenDir[dir] {
			d.heads[dir].syn(f.isn[dir])
		}
	}
	f.d = d
	return d
}

// release gives back what inspection held once it ended: the head
// buffers, and the detail itself once the flow stopped buffering (its
// outcome, if any, stays for the record).
func (e *Engine) release(f *flow) {
	d := f.d
	if d == nil {
		return
	}
	for i := range d.heads {
		e.putHead(d.heads[i].release())
	}
	if f.buffering || f.dirty {
		return
	}
	e.freeDetail(f)
}

// freeDetail puts f's detail back on the free list.
func (e *Engine) freeDetail(f *flow) {
	d := f.d
	if d == nil {
		return
	}
	f.d = nil
	for i := range d.heads {
		e.putHead(d.heads[i].release())
	}
	*d = detail{}
	e.details.put(d)
}

// setVerdict stores what an inspection found. An empty verdict on a flow
// that never had one takes no memory.
func (e *Engine) setVerdict(f *flow, v *detect.Verdict) {
	if f.o == nil && emptyVerdict(v) {
		return
	}
	e.outcomeOf(f).verdict = *v
}

// outcomeOf returns f's outcome, taking one from the free list the first
// time.
func (e *Engine) outcomeOf(f *flow) *outcome {
	if f.o == nil {
		f.o = e.outcomes.get()
	}
	return f.o
}

// freeOutcome puts f's outcome back on the free list.
func (e *Engine) freeOutcome(f *flow) {
	o := f.o
	if o == nil {
		return
	}
	f.o = nil
	*o = outcome{sent: o.sent[:0]}
	e.outcomes.put(o)
}

// settle stops buffering direction dir of f after its first keep bytes
// (the matched detector's Done): the head keeps those bytes for the
// detector's later calls, moved to the smallest buffer that holds them,
// and takes no more.
func (e *Engine) settle(f *flow, dir, keep int) {
	h := &f.d.heads[dir]
	if h.done {
		return
	}
	h.done = true
	h.nspans = 0
	keep = max(0, min(keep, len(h.buf)))
	if keep == 0 {
		e.putHead(h.release())
		return
	}
	h.buf = h.buf[:keep]
	// A smaller buffer only when one is free or the budget has room:
	// settling never takes other flows' heads (reclaim).
	ci, size := e.headClass(keep)
	if size < cap(h.buf) && (len(e.bufs[ci]) > 0 || e.headMem+int64(size) <= e.cfg.HeadMemory) {
		b := e.grow(nil, keep)
		e.allocFailed = false
		if b != nil {
			b = append(b, h.buf...)
			e.putHead(h.buf)
			h.buf = b
		}
	}
}

// emptyVerdict reports whether v is what inspect leaves when nothing matched.
func emptyVerdict(v *detect.Verdict) bool {
	return v.Protocol == "" && v.Service == "" && !v.Encrypted && !v.Upgraded && !v.TLS.Seen &&
		v.User == "" && v.PortmapRequest == "" && len(v.Findings) == 0 && len(v.Learn) == 0 && len(v.Expect) == 0
}

// minHead is the smallest head buffer. Heads start small and double as
// bytes arrive, so the memory budget is charged for bytes actually kept,
// not for the limit of every flow that sent one byte. A control
// connection's first lines (a greeting, a command) fit in 128 bytes.
const minHead = 128

// idleShare and idleFloor bound the idle buffers of the free lists: at
// most a quarter of the head bytes in use plus idleFloor heads of the
// limit's size. Beyond it a returned buffer is left to the garbage
// collector, so a burst of open flows does not pin its peak of head
// memory for the rest of the run.
const (
	idleShare = 4
	idleFloor = 16
)

// headClass returns the free-list index and the size of the smallest head
// buffer holding need bytes (the top class is exactly HeadBytes).
func (e *Engine) headClass(need int) (int, int) {
	i, size := 0, minHead
	for size < need && size < e.cfg.HeadBytes {
		size <<= 1
		i++
	}
	return i, min(size, e.cfg.HeadBytes)
}

// grow gives a head room for need bytes within the memory budget, moving
// its bytes (all of old[:cap]: out-of-order stretches live beyond len) to a
// larger buffer. It returns nil when the budget is used up even after
// taking the heads of the oldest flows still buffering.
func (e *Engine) grow(old []byte, need int) []byte {
	ci, size := e.headClass(min(need, e.cfg.HeadBytes))
	var b []byte
	if n := len(e.bufs[ci]); n > 0 {
		b = e.bufs[ci][n-1]
		e.bufs[ci][n-1] = nil
		e.bufs[ci] = e.bufs[ci][:n-1]
		e.idleMem -= int64(cap(b))
	} else {
		if e.headMem+int64(size) > e.cfg.HeadMemory && !e.reclaim(int64(size)) {
			e.stats.HeadsNoMemory++
			e.allocFailed = true
			return nil
		}
		e.headMem += int64(size)
		b = make([]byte, 0, size)
	}
	if old != nil {
		copy(b[:cap(old)], old[:cap(old)])
		b = b[:len(old)]
		e.putHead(old)
	}
	return b
}

// putHead returns a head buffer to its free list, or to the budget (and
// the garbage collector) when the free lists already hold their share.
func (e *Engine) putHead(b []byte) {
	if b == nil {
		return
	}
	n := int64(cap(b))
	if e.idleMem+n > e.idleBound() {
		e.headMem -= n
		e.trimIdle()
		return
	}
	ci, _ := e.headClass(cap(b))
	e.bufs[ci] = append(e.bufs[ci], b[:0])
	e.idleMem += n
}

// idleBound is how many idle bytes the free lists may hold: a share of
// the head bytes in use plus a floor.
func (e *Engine) idleBound() int64 {
	return (e.headMem-e.idleMem)/idleShare + idleFloor*int64(e.cfg.HeadBytes)
}

// trimIdle drops idle buffers, largest first, until the free lists are
// within their bound again (the bytes in use shrank since they were put
// there).
func (e *Engine) trimIdle() {
	for ci := len(e.bufs) - 1; ci >= 0 && e.idleMem > e.idleBound(); ci-- {
		for n := len(e.bufs[ci]); n > 0 && e.idleMem > e.idleBound(); n-- {
			b := e.bufs[ci][n-1]
			e.bufs[ci][n-1] = nil
			e.bufs[ci] = e.bufs[ci][:n-1]
			e.idleMem -= int64(cap(b))
			e.headMem -= int64(cap(b))
		}
	}
}

// owner names a flow that holds head buffers, as it was when it got them
// (a recycled flow has another generation).
type owner struct {
	f   *flow
	gen uint32
}

func (e *Engine) ownsHeads(f *flow) bool {
	return f.d != nil && (f.d.heads[c2s].buf != nil || f.d.heads[s2c].buf != nil)
}

// reclaim makes room for size more bytes of head memory: it drops idle
// buffers of the free lists, then ends the buffering of the flows that got
// their heads longest ago (their verdict so far stands; HeadsReclaimed
// counts them). A flood of open connections then costs the oldest ones
// their inspection, not the newest ones, where an attacker's login would be.
func (e *Engine) reclaim(size int64) bool {
	e.dropFree()
	for e.headMem+size > e.cfg.HeadMemory && e.ownerAt < len(e.owners) {
		o := e.owners[e.ownerAt]
		e.owners[e.ownerAt] = owner{}
		e.ownerAt++
		if o.f.gen != o.gen || !o.f.buffering || o.f == e.current || !e.ownsHeads(o.f) {
			continue
		}
		e.stats.HeadsReclaimed++
		e.stopBuffering(o.f)
		e.dropFree()
	}
	if e.ownerAt > len(e.owners)/2 { // keep the queue from growing with every flow ever seen
		n := copy(e.owners, e.owners[e.ownerAt:])
		clear(e.owners[n:])
		e.owners, e.ownerAt = e.owners[:n], 0
	}
	return e.headMem+size <= e.cfg.HeadMemory
}

// dropFree hands the idle buffers of the free lists back to the budget.
func (e *Engine) dropFree() {
	for ci := range e.bufs {
		for _, b := range e.bufs[ci] {
			e.headMem -= int64(cap(b))
		}
		clear(e.bufs[ci])
		e.bufs[ci] = e.bufs[ci][:0]
	}
	e.idleMem = 0
}
