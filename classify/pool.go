package classify

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ibmitap/ibmitap/capture"
)

// A Pool classifies with several engines at once, one goroutine each, and
// emits exactly what one Engine would: the same records in the same order.
//
// Sharding: a packet goes to the worker chosen by the unordered pair of its
// IP addresses. Every flow between two hosts lands on one worker, so what
// one flow teaches another stays inside a worker: the port-mapper lookup
// and the connection it announces (same client, same IBM i), an FTP control
// connection and its data connections (same two hosts, either direction),
// an encrypted FTP session and the TLS data connections paired with it.
// Sharing learned state between workers instead would need a lock on every
// lookup and would make the result depend on which worker ran first.
//
// Determinism: the reader (the caller of Packet) keeps the one clock: it
// decides the time each packet counts at (clock leaps included) and when
// idle flows expire, and sends both to the workers in packet order. A
// worker ends flows at the same packet as a single engine; each record is
// keyed by the number of that packet, the step that ended it and the
// flow's place in the LRU lists (orderKey), and the reader emits each round
// of packets' records sorted by that key: the single engine's order.
//
// What is per worker: the flow table (MaxFlows / N each), the head memory
// (HeadMemory / N) and the learned tables. Output is identical to one
// engine as long as no table overflows (evictions, reclaimed heads) and no
// port-mapper answer is used by another pair of hosts than the one that
// asked (the IBM i clients ask before each connection). Streamed findings
// (Config.Finding) are the same and come in an order fixed for a given
// number of workers, but a worker inspects a growing flow at its own pace,
// so an event's time and flow snapshot may differ from one engine's.
type Pool struct {
	cfg     Config
	clk     *Engine // the reader's clock (advance) and packet count
	workers []*poolWorker
	out     chan *batch
	wg      sync.WaitGroup

	cur        []*batch // the round being filled, one batch per worker
	round      uint64   // number of the round being filled
	emitted    uint64   // rounds before it were emitted
	ring       [][]*batch
	got        []int
	free       []*batch
	inRound    int // packets in the current round
	heldWorker int // worker of the last packet whose time was held back, -1 none
	stats      []Stats
	order      []keyedFlow
	closed     bool
}

// orderKey orders finished flows as a single engine emits them: by the
// packet whose handling ended them, the step of that handling (a reused
// 4-tuple, an eviction, linger, TCP idle, UDP idle), then the flow's place
// in the LRU lists; at Flush by start, list and place.
type orderKey struct {
	seq     uint64
	phase   uint8
	start   int64
	list    uint8
	touched uint64
	ord     uint64 // the worker's emission count: findings of one flow keep their order
}

// Steps of a packet's handling that end flows, in the order a single
// engine takes them.
const (
	phaseEvent uint8 = iota // streamed findings come before the records of the same packet
	phaseReuse
	phaseEvict
	phaseLinger
	phaseIdleTCP
	phaseIdleUDP
	phaseInterim
	phaseFlush
)

func (a orderKey) compare(b orderKey) int {
	switch {
	case a.seq != b.seq:
		return cmpU(a.seq, b.seq)
	case a.phase != b.phase:
		return cmpU(uint64(a.phase), uint64(b.phase))
	case a.start != b.start:
		if a.start < b.start {
			return -1
		}
		return 1
	case a.list != b.list:
		return cmpU(uint64(a.list), uint64(b.list))
	case a.touched != b.touched:
		return cmpU(a.touched, b.touched)
	}
	return cmpU(a.ord, b.ord)
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// listIndex is f's list in the order Flush walks them.
func (e *Engine) listIndex(f *flow) int {
	switch {
	case f.closed:
		return 2
	case f.transport == capture.UDP:
		return 1
	}
	return 0
}

// keyedFlow is a record or a streamed finding on its way to the merge.
type keyedFlow struct {
	k  orderKey
	f  *Flow
	ev *FindingEvent
}

// event is one step for a worker: a packet, the once-a-second work (expiry,
// interim records), an inspection of what grew (streaming), or the
// confirmation of a clock leap.
type event struct {
	kind uint8
	held bool
	seq  uint64
	now  time.Time // the clock after this packet
	ts   time.Time // the time the packet counts at; for evConfirm the leap
	p    capture.Packet
}

const (
	evPacket = iota
	evTick
	evInspect
	evConfirm
)

// batch is one worker's share of a round: its events with their payloads
// copied into arena, and, on the way back, the flows they ended.
type batch struct {
	worker int
	round  uint64
	flush  bool
	events []event
	arena  []byte
	recs   []keyedFlow
	stats  Stats
}

type poolWorker struct {
	e   *Engine
	in  chan *batch
	cur *batch
	ord uint64
}

// roundPackets is how many packets make a round; rounds in flight are
// bounded, so a slow worker stalls the reader instead of queueing memory.
const (
	roundPackets   = 1024
	roundsInFlight = 8
)

// NewPool starts n workers (n >= 2; one worker is just an Engine).
// cfg.Emit and cfg.Finding are called from the goroutine that calls
// Packet, Advance, Sync and Flush.
func NewPool(cfg Config, n int) (*Pool, error) {
	if n < 2 {
		return nil, fmt.Errorf("classify: a pool needs at least 2 workers, not %d", n)
	}
	if cfg.Emit == nil {
		return nil, fmt.Errorf("classify: no emit function")
	}
	clk, err := New(cfg)
	if err != nil {
		return nil, err
	}
	pl := &Pool{cfg: clk.cfg, clk: clk, out: make(chan *batch, n*roundsInFlight), heldWorker: -1}
	wcfg := clk.cfg
	wcfg.MaxFlows = max(1, wcfg.MaxFlows/n)
	wcfg.HeadMemory = max(1, wcfg.HeadMemory/int64(n))
	for range n {
		e, err := New(wcfg)
		if err != nil {
			return nil, err
		}
		w := &poolWorker{e: e, in: make(chan *batch, roundsInFlight)}
		e.keyed = func(r *Flow, ev *FindingEvent, k orderKey) {
			w.ord++
			k.ord = w.ord
			w.cur.recs = append(w.cur.recs, keyedFlow{k, r, ev})
		}
		pl.workers = append(pl.workers, w)
		pl.wg.Add(1)
		go pl.work(w)
	}
	pl.ring = make([][]*batch, roundsInFlight+1)
	for i := range pl.ring {
		pl.ring[i] = make([]*batch, n)
	}
	pl.got = make([]int, len(pl.ring))
	pl.stats = make([]Stats, n)
	pl.cur = make([]*batch, n)
	pl.newRound()
	return pl, nil
}

// work runs one worker until its input closes.
func (pl *Pool) work(w *poolWorker) {
	defer pl.wg.Done()
	e := w.e
	for b := range w.in {
		w.cur = b
		for i := range b.events {
			ev := &b.events[i]
			e.seq, e.now = ev.seq, ev.now
			switch ev.kind {
			case evPacket:
				f := e.packet(&ev.p, ev.ts)
				if ev.held {
					e.heldFlow, e.heldGen, e.heldAt = f, f.gen, ev.ts
				}
			case evTick:
				e.tick()
			case evInspect:
				e.inspectDirty()
			case evConfirm:
				if h := e.heldFlow; h != nil && h.gen == e.heldGen && h.start == e.heldAt.UnixNano() {
					h.start = ev.ts.UnixNano()
				}
				e.heldFlow = nil
			}
		}
		if b.flush {
			e.Flush()
		}
		b.stats = e.Stats()
		w.cur = nil
		pl.out <- b
	}
}

// shard picks the worker of a packet from the unordered pair of its
// addresses (see Pool).
func (pl *Pool) shard(p *capture.Packet) int {
	a, b := p.Src.As16(), p.Dst.As16()
	h := mix(binary.LittleEndian.Uint64(a[:8])^binary.LittleEndian.Uint64(a[8:])) +
		mix(binary.LittleEndian.Uint64(b[:8])^binary.LittleEndian.Uint64(b[8:]))
	return int(mix(h) % uint64(len(pl.workers)))
}

// mix is a 64-bit finaliser (splitmix64): fixed, so runs are reproducible.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// Packet feeds one packet. It copies what the workers need (the payload up
// to the head size), so p may be reused at once.
func (pl *Pool) Packet(p *capture.Packet) {
	c := pl.clk
	c.stats.Packets++
	seq := c.stats.Packets
	ts := c.advance(p.Timestamp)
	w := pl.shard(p)
	b := pl.cur[w]
	b.events = append(b.events, event{kind: evPacket, seq: seq, now: c.now, ts: ts, held: c.held})
	ev := &b.events[len(b.events)-1]
	ev.p = *p
	n := min(len(p.Payload), pl.cfg.HeadBytes)
	start := len(b.arena)
	b.arena = append(b.arena, p.Payload[:n]...)
	ev.p.Payload = nil
	if n > 0 {
		ev.p.Payload = b.arena[start : start+n : start+n]
	}
	switch {
	case c.held:
		c.held = false
		pl.heldWorker = w
	case c.confirmed:
		c.confirmed = false
		if h := pl.heldWorker; h >= 0 {
			hb := pl.cur[h]
			hb.events = append(hb.events, event{kind: evConfirm, seq: seq, now: c.now, ts: c.jump})
		}
		pl.heldWorker, c.jump = -1, time.Time{}
	}
	pl.tickDue(seq)
	if pl.inRound++; pl.inRound >= roundPackets {
		pl.send(false)
	}
}

// tickDue sends the once-a-second work to every worker when the clock says
// it is due, at the same packet a single engine does it.
func (pl *Pool) tickDue(seq uint64) {
	c := pl.clk
	if c.now.Before(c.nextExpire) {
		return
	}
	for _, b := range pl.cur {
		b.events = append(b.events, event{kind: evTick, seq: seq, now: c.now})
	}
	c.nextExpire = c.now.Add(c.tickEvery())
}

// Advance is Engine.Advance for the pool: it moves the clock on a quiet
// link, runs what is due on every worker and emits what that ended.
func (pl *Pool) Advance(now time.Time) {
	c := pl.clk
	if pl.closed || c.now.IsZero() {
		return
	}
	if now.After(c.now) {
		c.now = now
	}
	seq := c.stats.Packets
	if pl.cfg.Finding != nil {
		for _, b := range pl.cur {
			b.events = append(b.events, event{kind: evInspect, seq: seq, now: c.now})
		}
	}
	pl.tickDue(seq)
	pl.Sync()
}

// fixPayloads points the payloads of a batch at its arena again: append may
// have moved the arena while the batch was filled.
func fixPayloads(b *batch) {
	off := 0
	for i := range b.events {
		p := &b.events[i].p
		if n := len(p.Payload); n > 0 {
			p.Payload = b.arena[off : off+n : off+n]
			off += n
		}
	}
}

// newRound takes fresh batches for the next round.
func (pl *Pool) newRound() {
	for i := range pl.cur {
		var b *batch
		if n := len(pl.free); n > 0 {
			b = pl.free[n-1]
			pl.free = pl.free[:n-1]
		} else {
			b = new(batch)
		}
		b.worker, b.round, b.flush = i, pl.round, false
		pl.cur[i] = b
	}
	pl.inRound = 0
}

// send hands the current round to the workers (a flush round ends every
// flow) and emits every round that came back complete.
func (pl *Pool) send(flush bool) {
	for pl.round-pl.emitted >= roundsInFlight {
		pl.collect(<-pl.out)
	}
	for i, b := range pl.cur {
		fixPayloads(b)
		b.flush = flush
		for sent := false; !sent; {
			select {
			case pl.workers[i].in <- b:
				sent = true
			case r := <-pl.out:
				pl.collect(r)
			}
		}
	}
	pl.round++
	pl.newRound()
}

// collect files a returned batch and emits the rounds now complete.
func (pl *Pool) collect(b *batch) {
	slot := b.round % uint64(len(pl.ring))
	pl.ring[slot][b.worker] = b
	pl.got[slot]++
	pl.stats[b.worker] = b.stats
	for {
		slot := pl.emitted % uint64(len(pl.ring))
		if pl.emitted == pl.round || pl.got[slot] < len(pl.workers) {
			return
		}
		order := pl.order[:0]
		for i, rb := range pl.ring[slot] {
			order = append(order, rb.recs...)
			clear(rb.recs)
			rb.recs, rb.events, rb.arena = rb.recs[:0], rb.events[:0], rb.arena[:0]
			pl.free = append(pl.free, rb)
			pl.ring[slot][i] = nil
		}
		slices.SortStableFunc(order, func(a, b keyedFlow) int { return a.k.compare(b.k) })
		for i := range order {
			if o := &order[i]; o.ev != nil {
				pl.cfg.Finding(o.ev)
			} else {
				pl.cfg.Emit(o.f)
			}
			order[i] = keyedFlow{}
		}
		pl.order = order[:0]
		pl.got[slot] = 0
		pl.emitted++
	}
}

// Sync hands the packets fed so far to the workers and waits until every
// flow they ended has been emitted (a live sensor calls it when traffic
// pauses).
func (pl *Pool) Sync() {
	if pl.closed {
		return
	}
	pl.send(false)
	for pl.emitted < pl.round {
		pl.collect(<-pl.out)
	}
}

// Flush ends every flow, as at the end of input, and waits for their
// records.
func (pl *Pool) Flush() {
	if pl.closed {
		return
	}
	pl.send(true)
	for pl.emitted < pl.round {
		pl.collect(<-pl.out)
	}
}

// Close flushes and stops the workers. The pool is not usable after it.
func (pl *Pool) Close() {
	if pl.closed {
		return
	}
	pl.Flush()
	pl.closed = true
	for _, w := range pl.workers {
		close(w.in)
	}
	pl.wg.Wait()
}

// Stats returns the counters summed over the workers, as of the last
// round that came back (call Sync or Flush first for exact figures).
func (pl *Pool) Stats() Stats {
	s := Stats{Packets: pl.clk.stats.Packets, ClockJumps: pl.clk.stats.ClockJumps}
	for _, w := range pl.stats {
		s.Flows += w.Flows
		s.Emitted += w.Emitted
		s.Evicted += w.Evicted
		s.IdleExpired += w.IdleExpired
		s.LatePackets += w.LatePackets
		s.HeadsNoMemory += w.HeadsNoMemory
		s.HeadsReclaimed += w.HeadsReclaimed
		s.HeadHoles += w.HeadHoles
		s.LearnedEvicted += w.LearnedEvicted
		s.Learned += w.Learned
		s.ExpectDropped += w.ExpectDropped
		s.Uninspected += w.Uninspected
		s.Interim += w.Interim
		s.FindingEvents += w.FindingEvents
		s.GapBytes += w.GapBytes
		s.AckedBytes += w.AckedBytes
		s.Active += w.Active
		s.HeadMemory += w.HeadMemory
	}
	return s
}
