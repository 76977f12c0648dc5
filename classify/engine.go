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
	// Emit receives every finished flow. Each Flow is freshly allocated,
	// so keeping it is fine, unless ReuseFlow is set.
	Emit func(f *Flow)
	// ReuseFlow hands Emit the same Flow for every finished flow, its
	// fields (Findings' array included) overwritten for the next: Emit must
	// not keep f, or anything of it but strings, past the call. It saves an
	// allocation per record where the record is written and forgotten (JSON
	// lines). A Pool's workers ignore it: the pool keeps their flows until
	// it has put them in order.
	ReuseFlow bool

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
	cfg       Config
	cat       *catalog.Catalog
	dets      []Detector
	flows     index            // live flows by key
	hints     [hintRing]hinted // keys and hashes of the packets ahead (Drain)
	hintsUsed uint64           // packets whose key came from a hint (tests)
	// earlyRuled counts flows ruled out on a first segment before it was
	// copied; noEarlyLook turns that look off (tests compare both ways).
	earlyRuled  uint64
	noEarlyLook bool
	lists       [3]flowList // open TCP, UDP, closed TCP (tombstones)
	free        []*flow
	bufs        [][][]byte // free head buffers by size class
	// headMem is the head memory handed out and not yet returned.
	headMem     int64
	idleMem     int64   // of it, bytes idle in the free lists
	allocFailed bool    // the last grow found no memory
	current     *flow   // the flow a head is growing for (never reclaimed)
	owners      []owner // flows holding head buffers, oldest first
	ownerAt     int     // owners before it were handled

	dirty    []*flow           // flows whose heads grew since their last inspection
	details  freeList[detail]  // inspection states
	outcomes freeList[outcome] // verdicts
	in       detect.Input      // inspect's scratch
	v        detect.Verdict    // inspect's scratch
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
	interimAt  time.Time // when the next round of interim records is due

	// For a worker of a Pool: the number of the packet being handled, the
	// step of it that ends flows, and where finished flows go instead of
	// Emit (with the key that orders them as one engine would have).
	seq   uint64
	phase uint8
	keyed func(r *Flow, ev *FindingEvent, k orderKey)

	spare *Flow // the Flow handed to Emit again and again (Config.ReuseFlow)
}

// maxHeadBytes bounds HeadBytes: head offsets are kept in 32 bits.
const maxHeadBytes = 1 << 30

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
		flows:   newIndex(),
		learned: make(map[hostKey]learned),
		expect:  make(map[hostKey]expectation),
		ftpCtl:  make(map[pairKey]expectation),
	}
	if cfg.HeadBytes > maxHeadBytes {
		return nil, fmt.Errorf("classify: head bytes %d above the limit of %d", cfg.HeadBytes, maxHeadBytes)
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
	s.Active = uint64(e.flows.len())
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
	k, h := e.keyOf(p)
	f := e.flows.get(&k, h)
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
		f = e.newFlow(k, h, p, ts)
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
	if e.ruledOutBefore(f, dir, seq, data) {
		e.stopBuffering(f)
		return
	}
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
