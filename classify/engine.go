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

	// Detectors overrides the registry (tests); nil = Registry().
	Detectors []Detector
}

// Detector is one entry of the detector registry.
type Detector struct {
	Name   string
	Detect detect.Func
}

// Stats counts what the engine did; nothing is dropped without a count.
type Stats struct {
	Packets        uint64 // packets offered
	Flows          uint64 // flows created
	Emitted        uint64 // flow records written
	Evicted        uint64 // flows pushed out of a full table (their records are still written)
	IdleExpired    uint64 // flows ended by an idle timeout
	LatePackets    uint64 // packets of a flow after its FIN/RST (counted in its record too)
	HeadsNoMemory  uint64 // directions not buffered because the head memory budget was used up
	HeadHoles      uint64 // directions whose head stopped at a sequence gap that never closed
	LearnedEvicted uint64 // learned port-mapper facts pushed out of a full table
	Learned        uint64 // port-mapper answers learned
	ExpectDropped  uint64 // announced data connections not remembered because the table was full
	Uninspected    uint64 // flows with payload that no detector could look at (no head memory)
}

// Engine classifies flows packet by packet. It is not safe for concurrent use.
type Engine struct {
	cfg   Config
	cat   *catalog.Catalog
	dets  []Detector
	flows map[key]*flow
	lists [3]flowList // open TCP, UDP, closed TCP (tombstones)
	free  []*flow
	bufs  [][]byte
	// headMem is the head memory handed out and not yet returned.
	headMem     int64
	allocFailed bool // the last allocHead found no memory

	dirty   []*flow // flows whose heads grew since their last inspection
	learned map[hostKey]learned
	expect  map[hostKey]expectation
	ftpCtl  map[pairKey]expectation

	now        time.Time
	nextExpire time.Time
	stats      Stats
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
	return &Engine{
		cfg:     cfg,
		cat:     cfg.Catalog,
		dets:    dets,
		flows:   make(map[key]*flow, 1024),
		learned: make(map[hostKey]learned),
		expect:  make(map[hostKey]expectation),
		ftpCtl:  make(map[pairKey]expectation),
	}, nil
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats { return e.stats }

// Packet feeds one decoded packet to the engine.
func (e *Engine) Packet(p *capture.Packet) {
	e.stats.Packets++
	if p.Timestamp.After(e.now) {
		e.now = p.Timestamp
	}
	if !e.now.Before(e.nextExpire) {
		e.expire()
		e.nextExpire = e.now.Add(time.Second)
	}
	k := makeKey(p)
	f := e.flows[k]
	isTCP := p.Transport == capture.TCP
	pureSYN := isTCP && p.TCPFlags&(capture.FlagSYN|capture.FlagACK) == capture.FlagSYN
	if f != nil && pureSYN && (f.closed || e.newConnection(f, p)) {
		// The 4-tuple is being reused by a new connection.
		reason := EndReused
		if f.closed {
			reason = f.endReason
		}
		e.finish(f, reason)
		e.remove(f)
		f = nil
	}
	if f == nil {
		f = e.newFlow(k, p)
	}
	dir := c2s
	if p.SrcPort != f.client.Port() || p.Src != f.client.Addr() {
		dir = s2c
	}
	f.pkts[dir]++
	f.bytes[dir] += uint64(p.IPPayloadLen)
	if p.Timestamp.After(f.last) {
		f.last = p.Timestamp
	}
	e.touch(f)
	if f.closed {
		e.stats.LatePackets++
		return
	}

	if isTCP {
		seq := p.Seq
		if p.TCPFlags&capture.FlagSYN != 0 {
			f.heads[dir].syn(seq)
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
			return
		}
		if p.TCPFlags&capture.FlagFIN != 0 {
			f.fin[dir] = true
			if f.fin[c2s] && f.fin[s2c] {
				e.close(f, EndFIN)
			}
		}
		return
	}
	if len(p.Payload) > 0 {
		e.datagram(f, dir, p.Payload)
	}
}

// newConnection reports whether a pure SYN on an open flow starts a new
// connection on the same 4-tuple (its FIN was not captured) rather than
// retransmitting the first SYN.
func (e *Engine) newConnection(f *flow, p *capture.Packet) bool {
	if p.SrcPort != f.client.Port() || p.Src != f.client.Addr() {
		return false // a SYN from the server side is no new connection of the client's
	}
	return !f.synSeenDir[c2s] || p.Seq != f.isn[c2s]
}

// payload adds TCP payload to a direction's head and marks the flow for
// inspection when the in-order bytes grew.
func (e *Engine) payload(f *flow, dir int, seq uint32, data []byte) {
	f.payload = true
	if !f.buffering {
		return
	}
	h := &f.heads[dir]
	hadHole := h.hole
	if h.add(seq, data, e.cfg.HeadBytes, e.allocHead) {
		e.markDirty(f)
	}
	if h.buf == nil && e.allocFailed {
		e.noMemory(f)
		return
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
	h := &f.heads[dir]
	if h.full {
		return
	}
	if h.buf == nil {
		if h.buf = e.allocHead(); h.buf == nil {
			e.noMemory(f)
			return
		}
	}
	if h.appendBytes(data, e.cfg.HeadBytes) {
		e.markDirty(f)
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
	v := &f.verdict
	done := false
	switch {
	case v.Encrypted && v.Protocol == "ssh":
		done = true
	case v.Encrypted && (v.TLS.Established || v.TLS.Alert):
		done = true
	case v.Upgraded && v.TLS.Established:
		done = true
	}
	h0, h1 := &f.heads[c2s], &f.heads[s2c]
	if (h0.full || h0.hole) && (h1.full || h1.hole) {
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
	for i := range f.heads {
		if b := f.heads[i].release(); b != nil {
			e.bufs = append(e.bufs, b[:0])
		}
	}
}

// allocHead hands out a head buffer within the memory budget; nil when the
// budget is used up.
func (e *Engine) allocHead() []byte {
	if n := len(e.bufs); n > 0 {
		b := e.bufs[n-1]
		e.bufs = e.bufs[:n-1]
		return b
	}
	if e.headMem+int64(e.cfg.HeadBytes) > e.cfg.HeadMemory {
		e.stats.HeadsNoMemory++
		e.allocFailed = true
		return nil
	}
	e.headMem += int64(e.cfg.HeadBytes)
	return make([]byte, 0, e.cfg.HeadBytes)
}

// inspect runs the detectors over the heads. The detector that matched last
// time is asked first; the registry order decides otherwise.
func (e *Engine) inspect(f *flow) {
	f.dirty = false
	h0, h1 := &f.heads[c2s], &f.heads[s2c]
	in := detect.Input{
		C2S: h0.buf, S2C: h1.buf,
		ClientPort: f.client.Port(), ServerPort: f.server.Port(),
		Transport: f.transport, MidStream: f.midStream,
		C2SFull: h0.full, S2CFull: h1.full,
		C2SHole: h0.hole, S2CHole: h1.hole,
	}
	var v detect.Verdict
	matched := -1
	if f.matched >= 0 && e.dets[f.matched].Detect(&in, &v) {
		matched = f.matched
	} else {
		for i := range e.dets {
			v = detect.Verdict{}
			if e.dets[i].Detect(&in, &v) {
				matched = i
				break
			}
		}
	}
	if matched < 0 {
		v = detect.Verdict{}
		fallbackTLS(&in, &v)
	}
	f.matched = matched
	f.verdict = v
	e.learnFrom(f)
}
