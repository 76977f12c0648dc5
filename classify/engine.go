package classify

import (
	"fmt"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/catalog"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// Config sets up an Engine. Zero values take the defaults.
type Config struct {
	Catalog *catalog.Catalog // nil = catalog.Default()
	// Emit receives every finished flow. It must not keep f past the call
	// unless it owns it (each Flow is freshly allocated, so keeping is fine).
	Emit func(f *Flow)

	MaxFlows   int           // flow-table size; the least recently seen flow is evicted beyond it (default 262144)
	HeadBytes  int           // bytes kept per direction for the detectors (default 8192)
	HeadMemory int64         // total bytes for stream heads (default 512 MiB); flows beyond it are only counted
	TCPIdle    time.Duration // idle timeout of an open TCP flow (default 5m)
	UDPIdle    time.Duration // idle timeout of a UDP flow (default 1m)
	Linger     time.Duration // how long a closed TCP flow waits for its last ACKs before its record is written (default 5s)
	MaxLearned int           // per-host learned entries (default 65536)

	// Finding, when set, receives each finding as soon as it is proven,
	// once per flow, before the flow's record (streaming output).
	Finding func(ev *FindingEvent)
	// Interim, when positive, writes a record of every flow open for
	// longer than Interim once each Interim (EndInterim; counters
	// cumulative).
	Interim time.Duration

	// Detectors overrides the registry (tests); nil = Registry().
	Detectors []Detector
}

// Detector is one entry of the detector registry.
type Detector struct {
	Name   string
	Detect detect.Func
	Reject detect.RejectFunc // nil: never ruled out
}

// Stats counts what the engine did; nothing is dropped without a count.
type Stats struct {
	Packets        uint64 // packets offered
	Flows          uint64 // flows created
	Emitted        uint64 // flow records written
	Evicted        uint64 // flows pushed out of a full table (their records are still written)
	IdleExpired    uint64 // flows ended by an idle timeout
	LatePackets    uint64 // packets of a flow after its FIN/RST (counted in its record too)
	HeadsNoMemory  uint64 // times a head could not grow because the head memory budget was used up
	HeadsReclaimed uint64 // flows whose heads were taken back (oldest first) to make room for new ones
	ClockJumps     uint64 // packets whose timestamp leapt ahead and was not (yet) believed
	HeadHoles      uint64 // directions whose head stopped at a sequence gap that never closed
	LearnedEvicted uint64 // learned port-mapper facts pushed out of a full table
	Learned        uint64 // port-mapper answers learned
	ExpectDropped  uint64 // announced data connections not remembered because the table was full
	Uninspected    uint64 // flows with payload that no detector could look at (no head memory)
	Interim        uint64 // interim records written (not counted in Emitted)
	FindingEvents  uint64 // findings streamed as events
	// GapBytes is the capture-loss estimate: bytes acknowledged by a
	// receiver that were never captured; AckedBytes all bytes whose
	// acknowledgement was seen (GapBytes/AckedBytes is the loss ratio).
	GapBytes   uint64
	AckedBytes uint64
	// Active and HeadMemory are gauges: flows in the table and head bytes
	// held when Stats was called.
	Active     uint64
	HeadMemory uint64
}

// Engine classifies flows packet by packet. It is not safe for concurrent use.
type Engine struct {
	cfg   Config
	cat   *catalog.Catalog
	dets  []Detector
	flows map[key]*flow
	lists [3]flowList // open TCP, UDP, closed TCP (tombstones)
	free  []*flow
	bufs  [][][]byte // free head buffers by size class
	// headMem is the head memory handed out and not yet returned.
	headMem     int64
	allocFailed bool    // the last grow found no memory
	current     *flow   // the flow a head is growing for (never reclaimed)
	owners      []owner // flows holding head buffers, oldest first
	ownerAt     int     // owners before it were handled

	dirty   []*flow        // flows whose heads grew since their last inspection
	details []*detail      // free inspection states
	in      detect.Input   // inspect's scratch
	v       detect.Verdict // inspect's scratch
	// allRuled is the ruled-out mask of a flow no detector can recognise.
	allRuled uint64
	learned  map[hostKey]learned
	expect   map[hostKey]expectation
	ftpCtl   map[pairKey]expectation

	now        time.Time
	jump       time.Time // an unconfirmed leap of the clock
	held       bool      // the current packet's time was held back (a leap)
	confirmed  bool      // the current packet confirmed the leap
	heldFlow   *flow     // the flow of the packet held back, and its generation
	heldGen    uint32
	heldAt     time.Time // the time that packet was counted at
	nextExpire time.Time
	stats      Stats
	exts       []*flowExt // free list
	interimAt  time.Time  // when the next round of interim records is due

	// For a worker of a Pool: the number of the packet being handled, the
	// step of it that ends flows, and where finished flows go instead of
	// Emit (with the key that orders them as one engine would have).
	seq   uint64
	phase uint8
	keyed func(r *Flow, ev *FindingEvent, k orderKey)
}

const (
	listTCP = iota
	listUDP
	listClosed
)

// New returns an Engine for cfg.
func New(cfg Config) (*Engine, error) {
	if cfg.Emit == nil {
		return nil, fmt.Errorf("classify: no emit function")
	}
	if cfg.Catalog == nil {
		cfg.Catalog = catalog.Default()
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.MaxFlows, 1<<18)
	def(&cfg.HeadBytes, 8192)
	def(&cfg.MaxLearned, 1<<16)
	if cfg.HeadMemory <= 0 {
		cfg.HeadMemory = 512 << 20
	}
	if cfg.TCPIdle <= 0 {
		cfg.TCPIdle = 5 * time.Minute
	}
	if cfg.UDPIdle <= 0 {
		cfg.UDPIdle = time.Minute
	}
	if cfg.Linger <= 0 {
		cfg.Linger = 5 * time.Second
	}
	dets := cfg.Detectors
	if dets == nil {
		dets = Registry()
	}
	e := &Engine{
		cfg:     cfg,
		cat:     cfg.Catalog,
		dets:    dets,
		flows:   make(map[key]*flow, 1024),
		learned: make(map[hostKey]learned),
		expect:  make(map[hostKey]expectation),
		ftpCtl:  make(map[pairKey]expectation),
	}
	if len(dets) > 64 {
		return nil, fmt.Errorf("classify: %d detectors, at most 64", len(dets))
	}
	for i := range dets {
		if dets[i].Reject != nil {
			e.allRuled |= 1 << i
		}
	}
	if len(dets) == 0 || e.allRuled != 1<<len(dets)-1 {
		e.allRuled = ^uint64(0) // a detector that cannot say "not me" keeps every flow buffering
	}
	top, _ := e.headClass(cfg.HeadBytes)
	e.bufs = make([][][]byte, top+1)
	return e, nil
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	s := e.stats
	s.Active = uint64(len(e.flows))
	s.HeadMemory = uint64(max(e.headMem, 0))
	return s
}

// Packet feeds one decoded packet to the engine.
func (e *Engine) Packet(p *capture.Packet) {
	e.stats.Packets++
	e.seq = e.stats.Packets
	ts := e.advance(p.Timestamp)
	f := e.packet(p, ts)
	if e.held {
		// This packet's time was held back; if a later packet confirms the
		// leap, the flow it started gets its true start time.
		e.held, e.heldFlow, e.heldGen, e.heldAt = false, f, f.gen, ts
	} else if e.confirmed {
		e.confirmed = false
		if h := e.heldFlow; h != nil && h.gen == e.heldGen && h.start == e.heldAt.UnixNano() {
			h.start = e.jump.UnixNano()
		}
		e.heldFlow, e.jump = nil, time.Time{}
	}
	// Expiry runs after the packet is counted, so a flow the packet just
	// touched is never taken as idle.
	if !e.now.Before(e.nextExpire) {
		e.tick()
	}
}

// packet does the per-packet work of Packet and returns the packet's flow.
func (e *Engine) packet(p *capture.Packet, ts time.Time) *flow {
	k := makeKey(p)
	f := e.flows[k]
	isTCP := p.Transport == capture.TCP
	pureSYN := isTCP && p.TCPFlags&(capture.FlagSYN|capture.FlagACK) == capture.FlagSYN
	if f != nil && pureSYN && (f.closed || e.newConnection(f, p)) {
		// The 4-tuple is being reused by a new connection.
		reason := EndReused
		if f.closed {
			reason = endReasons[f.endReason]
		}
		e.phase = phaseReuse
		e.finish(f, reason)
		e.remove(f)
		f = nil
	}
	if f == nil {
		f = e.newFlow(k, p, ts)
	}
	dir := c2s
	if fromA(k, p) != f.clientA {
		dir = s2c
	}
	f.pkts[dir]++
	f.bytes[dir] += uint64(p.IPPayloadLen)
	if t := ts.UnixNano(); t > f.last {
		f.last = t
	}
	if isTCP && (p.TCPFlags&capture.FlagACK != 0 || p.DataLen > 0) {
		e.trackGap(f, p, dir)
	}
	e.touch(f)
	f.touched = e.seq
	if f.closed {
		if len(p.Payload) > 0 || p.TCPFlags&^(capture.FlagACK|capture.FlagPSH) != 0 {
			e.stats.LatePackets++ // the last ACK of a close is expected, anything else is late
		}
		return f
	}

	if isTCP {
		seq := p.Seq
		if p.TCPFlags&capture.FlagSYN != 0 {
			if f.d != nil {
				f.d.heads[dir].syn(seq)
			}
			if !f.synSeenDir[dir] {
				f.synSeenDir[dir], f.isn[dir] = true, seq
			}
			seq++ // data on a SYN (TCP Fast Open) follows the SYN's number
		}
		if len(p.Payload) > 0 {
			e.payload(f, dir, seq, p.Payload)
		}
		if p.TCPFlags&capture.FlagRST != 0 {
			e.close(f, EndRST)
			return f
		}
		if p.TCPFlags&capture.FlagFIN != 0 {
			f.fin[dir] = true
			if f.fin[c2s] && f.fin[s2c] {
				e.close(f, EndFIN)
			}
		}
		return f
	}
	if len(p.Payload) > 0 {
		e.datagram(f, dir, p.Payload)
	}
	return f
}

// newConnection reports whether a pure SYN on an open flow starts a new
// connection on the same 4-tuple (its FIN was not captured) rather than
// retransmitting the first SYN.
func (e *Engine) newConnection(f *flow, p *capture.Packet) bool {
	if fromA(f.k, p) != f.clientA {
		return false // a SYN from the server side is no new connection of the client's
	}
	return !f.synSeenDir[c2s] || p.Seq != f.isn[c2s]
}

// maxJump is how far one packet may move the engine's clock forward on its
// own word.
const maxJump = 10 * time.Minute

// advance moves the engine's clock (which drives idle expiry) to ts and
// returns the time the packet counts at. A leap forward of more than
// maxJump is believed only when a second packet confirms it: one corrupt
// timestamp (year 2106) must not expire every flow at once, nor freeze the
// clock for the rest of the capture. Until then the packet counts at the
// clock's time.
func (e *Engine) advance(ts time.Time) time.Time {
	switch {
	case !ts.After(e.now):
	case e.now.IsZero() || ts.Sub(e.now) <= maxJump:
		e.now = ts
	case !e.jump.IsZero() && ts.Sub(e.jump).Abs() <= maxJump:
		e.now = ts
		e.confirmed = true
	default:
		e.jump = ts
		e.held = true
		e.stats.ClockJumps++
		return e.now
	}
	return ts
}

// payload adds TCP payload to a direction's head and marks the flow for
// inspection when the in-order bytes grew.
func (e *Engine) payload(f *flow, dir int, seq uint32, data []byte) {
	f.payload = true
	if !f.buffering {
		return
	}
	h := &e.detail(f).heads[dir]
	hadHole := h.hole
	owned := e.ownsHeads(f)
	e.current = f
	if h.add(seq, data, e.cfg.HeadBytes, e.grow) {
		e.markDirty(f)
	}
	e.current = nil
	if !owned && e.ownsHeads(f) {
		e.owners = append(e.owners, owner{f, f.gen})
	}
	if e.allocFailed {
		e.allocFailed = false
		if !e.ownsHeads(f) {
			e.noMemory(f)
			return
		}
	}
	if h.hole && !hadHole {
		e.stats.HeadHoles++
	}
	e.maybeStopBuffering(f)
}

// noMemory gives up on inspecting f: its payload came when no head memory
// was left. Its record says so (encrypted unknown, no plaintext finding).
func (e *Engine) noMemory(f *flow) {
	e.allocFailed = false
	if !f.unbuffered {
		f.unbuffered = true
		e.stats.Uninspected++
	}
	e.stopBuffering(f)
}

// datagram appends a UDP payload to the head of its direction.
func (e *Engine) datagram(f *flow, dir int, data []byte) {
	f.payload = true
	if !f.buffering {
		return
	}
	h := &e.detail(f).heads[dir]
	if h.full {
		return
	}
	owned := e.ownsHeads(f)
	e.current = f
	if h.appendBytes(data, e.cfg.HeadBytes, e.grow) {
		e.markDirty(f)
	}
	e.current = nil
	if !owned && e.ownsHeads(f) {
		e.owners = append(e.owners, owner{f, f.gen})
	}
	if e.allocFailed {
		e.allocFailed = false
		if !e.ownsHeads(f) {
			e.noMemory(f)
			return
		}
	}
	// UDP protocols show what they are in their first datagrams; a long
	// UDP conversation must not hold head memory for its whole life.
	if f.pkts[c2s]+f.pkts[s2c] >= maxUDPDatagrams {
		e.stopBuffering(f)
		return
	}
	e.maybeStopBuffering(f)
}

// markDirty notes that f's heads grew. Detectors run lazily: before a new
// flow is created or a flow's record is written, every flow that grew since
// is inspected. That is early enough for what one flow teaches another (a
// port-mapper answer, an announced FTP data connection) and spares a chatty
// flow one inspection per packet.
func (e *Engine) markDirty(f *flow) {
	if !f.dirty {
		f.dirty = true
		e.dirty = append(e.dirty, f)
	}
}

// inspectDirty inspects every flow whose heads grew since its last
// inspection. The list may name a flow twice or one that was recycled; the
// dirty flag tells which still need it.
func (e *Engine) inspectDirty() {
	for i := 0; i < len(e.dirty); i++ {
		if f := e.dirty[i]; f.dirty && f.buffering {
			e.inspect(f)
			e.maybeStopBuffering(f)
		}
	}
	clear(e.dirty)
	e.dirty = e.dirty[:0]
}

// maxUDPDatagrams is how many datagrams of a UDP flow are kept for the
// detectors.
const maxUDPDatagrams = 8

// maybeStopBuffering frees a flow's heads once nothing more can be learned
// from them: the TLS handshake is over, or both directions are full.
func (e *Engine) maybeStopBuffering(f *flow) {
	if f.d == nil {
		return
	}
	v := &f.d.verdict
	done := false
	switch {
	case v.Encrypted && v.Protocol == "ssh":
		done = true
	case v.Encrypted && (v.TLS.Established || v.TLS.Alert):
		done = true
	case v.Upgraded && v.TLS.Established && v.Protocol != "ftp":
		// An FTP control connection may return to clear text (CCC), so
		// its heads are kept until they fill.
		done = true
	}
	h0, h1 := &f.d.heads[c2s], &f.d.heads[s2c]
	if (h0.full || h0.hole) && (h1.full || h1.hole) {
		done = true
	}
	// Every detector ruled the flow out: nothing will recognise it. A flow
	// picked up mid-stream keeps buffering for the mid-stream TLS fallback.
	if f.matched < 0 && !f.midStream && f.d.ruled == e.allRuled {
		done = true
	}
	if done {
		e.stopBuffering(f)
	}
}

func (e *Engine) stopBuffering(f *flow) {
	if f.dirty {
		e.inspect(f)
	}
	f.buffering = false
	e.release(f)
	if e.cfg.Finding != nil {
		e.streamEarly(f) // the verdict is final now
	}
}

// detail returns f's inspection state, taking one from the free list the
// first time. A flow that sends no payload never has one.
func (e *Engine) detail(f *flow) *detail {
	if f.d != nil {
		return f.d
	}
	var d *detail
	if n := len(e.details); n > 0 {
		d = e.details[n-1]
		e.details = e.details[:n-1]
	} else {
		d = new(detail)
	}
	for dir := range d.heads {
		if f.synSeenDir[dir] {
			d.heads[dir].syn(f.isn[dir])
		}
	}
	f.d = d
	return d
}

// release gives back what inspection held once it ended: the head buffers,
// and the whole detail when no detector found anything (a verdict, once
// there is one, is needed for the flow's record).
func (e *Engine) release(f *flow) {
	d := f.d
	if d == nil {
		return
	}
	for i := range d.heads {
		e.putHead(d.heads[i].release())
	}
	if f.buffering || f.dirty || !emptyVerdict(&d.verdict) {
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
	e.details = append(e.details, d)
}

// emptyVerdict reports whether v is what inspect leaves when nothing matched.
func emptyVerdict(v *detect.Verdict) bool {
	return v.Protocol == "" && v.Service == "" && !v.Encrypted && !v.Upgraded && !v.TLS.Seen &&
		v.User == "" && v.PortmapRequest == "" && len(v.Findings) == 0 && len(v.Learn) == 0 && len(v.Expect) == 0
}

// minHead is the smallest head buffer. Heads start small and double as
// bytes arrive, so the memory budget is charged for bytes actually kept,
// not for the limit of every flow that sent one byte.
const minHead = 512

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
		e.bufs[ci] = e.bufs[ci][:n-1]
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

// putHead returns a head buffer to its free list.
func (e *Engine) putHead(b []byte) {
	if b == nil {
		return
	}
	ci, _ := e.headClass(cap(b))
	e.bufs[ci] = append(e.bufs[ci], b[:0])
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
}

// inspect runs the detectors over the heads. The detector that matched last
// time is asked first; the registry order decides otherwise.
func (e *Engine) inspect(f *flow) {
	f.dirty = false
	d := e.detail(f)
	h0, h1 := &d.heads[c2s], &d.heads[s2c]
	cp, sp := f.k.pa, f.k.pb
	if !f.clientA {
		cp, sp = sp, cp
	}
	// The input and verdict live in the engine: passed to detectors
	// through function values they would escape, two allocations per
	// inspection.
	in, v := &e.in, &e.v
	*in = detect.Input{
		C2S: h0.buf, S2C: h1.buf,
		ClientPort: cp, ServerPort: sp,
		Transport: f.transport, MidStream: f.midStream,
		C2SFull: h0.full, S2CFull: h1.full,
		C2SHole: h0.hole, S2CHole: h1.hole,
	}
	*v = detect.Verdict{}
	matched := -1
	if f.matched >= 0 && e.dets[f.matched].Detect(in, v) {
		matched = int(f.matched)
	} else {
		for i := range e.dets {
			if d.ruled&(1<<i) != 0 {
				continue // it said "not me" before; more bytes cannot change that
			}
			*v = detect.Verdict{}
			det := &e.dets[i]
			if det.Detect(in, v) {
				matched = i
				break
			}
			if det.Reject != nil && det.Reject(in) {
				d.ruled |= 1 << i
			}
		}
	}
	if matched < 0 {
		*v = detect.Verdict{}
		fallbackTLS(in, v)
	}
	f.matched = int8(matched)
	d.verdict = *v
	*in, *v = detect.Input{}, detect.Verdict{} // keep no head or finding alive
	e.learnFrom(f)
	if e.cfg.Finding != nil {
		e.streamEarly(f)
	}
}
