package classify

import (
	"unsafe"

	"github.com/ibmitap/ibmitap/capture"
)

// Looking ahead. On a busy link the flows of consecutive packets are
// scattered over tens of megabytes, and each packet's first touch of its
// index slot and its flow is a cache miss that the CPU waits for. A
// source that can show the packets to come (capture.Prefetch's batches)
// lets the engine ask for those lines early, in two steps as the flow's
// address is only known once its slot arrived: far ahead the slot, nearer
// the flow. Nothing but the cache changes: the result is the same with
// or without the hints.

// Lookahead distances in packets: far enough for a miss to complete
// while the packets in between are handled, near enough for the line to
// still be there.
const (
	aheadSlot = 8
	aheadFlow = 4
)

// hinted is a packet's key and hash, worked out when its slot was
// prefetched, so the packet itself does not hash again. num is the
// packet's number (0: empty); a hint is used once, by the packet of that
// number, and only within the Drain that made it.
type hinted struct {
	k   key
	h   uint64
	num uint64
}

// hintRing is how many hints are kept: more than aheadSlot.
const hintRing = 16

// prefetchSlot hints that the index slot of p will be needed soon, and
// keeps p's key and hash for the steps to come.
func (e *Engine) prefetchSlot(p *capture.Packet) {
	he := &e.hints[p.Number%hintRing]
	he.k = makeKey(p)
	he.h = e.flows.hash(&he.k)
	he.num = p.Number
	x := &e.flows
	prefetch(uintptr(unsafe.Pointer(&x.slots[he.h&x.mask])))
}

// prefetchFlow hints that p's flow will be needed soon: its slot should
// be in the cache by now, so reading it costs little.
func (e *Engine) prefetchFlow(p *capture.Packet) {
	he := &e.hints[p.Number%hintRing]
	if he.num != p.Number || p.Number == 0 {
		return
	}
	x := &e.flows
	if f := x.slots[he.h&x.mask].f; f != nil {
		prefetch(uintptr(unsafe.Pointer(f)))
	}
}

// keyOf returns p's flow key and hash, from its hint when there is one.
func (e *Engine) keyOf(p *capture.Packet) (key, uint64) {
	if he := &e.hints[p.Number%hintRing]; he.num == p.Number && p.Number != 0 {
		he.num = 0
		e.hintsUsed++
		return he.k, he.h
	}
	k := makeKey(p)
	return k, e.flows.hash(&k)
}

// clearHints forgets every hint (a Drain ends: the next source numbers
// its packets anew).
func (e *Engine) clearHints() {
	for i := range e.hints {
		e.hints[i].num = 0
	}
}

// Ahead is a source that can show the packets after the one it returned
// last, without consuming them (capture.Prefetch).
type Ahead interface {
	Ahead(n int) *capture.Packet
}

// hint issues the cache hints for the packets ahead of the next one:
// Ahead(1) is the packet the next Next returns.
func (e *Engine) hint(src Ahead) {
	if q := src.Ahead(1 + aheadSlot); q != nil {
		e.prefetchSlot(q)
	}
	if q := src.Ahead(1 + aheadFlow); q != nil {
		e.prefetchFlow(q)
	}
}

// prefetchVictims prepares the evictions to come while a full table takes
// new flows (a flood): the least recently seen flows are scattered in
// memory, and each eviction reads the victim and then its index slot. The
// victim after next is prefetched now; the next victim, prefetched at the
// previous eviction, is read to prefetch its slot.
func (e *Engine) prefetchVictims() {
	for _, l := range [...]*flowList{&e.lists[listTCP], &e.lists[listUDP]} {
		f := l.head
		if f == nil {
			continue
		}
		x := &e.flows
		prefetch(uintptr(unsafe.Pointer(&x.slots[x.hash(&f.k)&x.mask])))
		if n := f.next; n != nil {
			p := uintptr(unsafe.Pointer(n))
			prefetch(p)
			prefetch(p + 64)
			prefetch(p + 128)
		}
	}
}
