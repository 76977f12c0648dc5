package classify

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/capture/synth"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// feed hands a conversation's packets to e.
func feed(e *Engine, c *conv) {
	for i := range c.pkts {
		e.Packet(&c.pkts[i])
	}
}

func randomText(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return string(b)
}

// nextData returns the next client data packet of c carrying n bytes of
// data, advancing its clock and sequence number.
func nextData(p *capture.Packet, n int) {
	p.Seq += uint32(n)
	p.Timestamp = p.Timestamp.Add(time.Microsecond)
}

// TestAllocsUnrecognised: once every detector ruled a flow out, its
// packets cost no allocation.
func TestAllocsUnrecognised(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	c := newConv("10.0.0.2:40001", "10.0.0.1:23456").open().
		pkt(true, capture.FlagACK, "\x01"+randomText(r, 300)).pkt(false, capture.FlagACK, "\x02"+randomText(r, 300))
	data := randomText(r, 1000)
	c.pkt(true, capture.FlagACK, data)
	e, _ := New(Config{Emit: func(*Flow) {}})
	feed(e, c)
	e.inspectDirty()
	f := e.lookup(&c.pkts[0])
	if f == nil || f.buffering || f.d != nil {
		t.Fatalf("flow still buffering (%v) or holding detail (%v): the detectors did not rule it out", f != nil && f.buffering, f != nil && f.d != nil)
	}
	p := c.pkts[len(c.pkts)-1]
	if n := testing.AllocsPerRun(1000, func() { nextData(&p, len(data)); e.Packet(&p) }); n != 0 {
		t.Errorf("%.1f allocations per packet of an unrecognised flow, want 0", n)
	}
}

// TestAllocsDetecting: a flow still being detected (a request line that
// has not ended: HTTP needs more, the rest cannot tell yet) costs no
// allocation per packet, inspection included, once the head buffers of
// its sizes are in the free lists.
func TestAllocsDetecting(t *testing.T) {
	e, _ := New(Config{Emit: func(*Flow) {}})
	chunk := strings.Repeat("a", 40)
	mk := func(port uint16) *conv {
		c := newConv(netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), port).String(), "10.0.0.1:8080").open().
			pkt(true, capture.FlagACK, "GET /")
		for range 150 {
			c.pkt(true, capture.FlagACK, chunk)
		}
		return c
	}
	warm := mk(40001) // fills the free lists with every head size, then ends
	feed(e, warm)
	e.Flush()
	c := mk(40002)
	c.pkts = c.pkts[:5] // handshake, "GET /", one chunk
	feed(e, c)
	e.inspectDirty()
	f := e.lookup(&c.pkts[0])
	if f == nil || !f.buffering || f.matched >= 0 || f.d == nil || f.d.ruled == e.allRuled {
		t.Fatal("the flow is not being detected")
	}
	p := c.pkts[len(c.pkts)-1]
	if n := testing.AllocsPerRun(150, func() { nextData(&p, len(chunk)); e.Packet(&p); e.inspectDirty() }); n != 0 {
		t.Errorf("%.1f allocations per packet of a flow being detected, want 0", n)
	}
	if !f.buffering || f.matched >= 0 || len(f.d.heads[c2s].buf) < 4000 {
		t.Errorf("the flow stopped being detected early (head %d bytes)", len(f.d.heads[c2s].buf))
	}
}

// TestAllocsDetected: after a TLS handshake named the flow, its records
// cost nothing per packet.
func TestAllocsDetected(t *testing.T) {
	c := newConv("10.0.0.2:40001", "10.0.0.1:9476").open().
		pkt(true, capture.FlagACK, string(synth.ClientHello("x", 1))).
		pkt(false, capture.FlagACK, string(synth.ServerHello(1)))
	app := string(synth.AppData(500, 1))
	c.pkt(true, capture.FlagACK, app)
	e, _ := New(Config{Emit: func(*Flow) {}})
	feed(e, c)
	e.inspectDirty()
	f := e.lookup(&c.pkts[0])
	if f == nil || f.buffering || f.verdict().Protocol != "tls" {
		t.Fatal("the TLS flow was not detected")
	}
	p := c.pkts[len(c.pkts)-1]
	if n := testing.AllocsPerRun(1000, func() { nextData(&p, len(app)); e.Packet(&p) }); n != 0 {
		t.Errorf("%.1f allocations per packet of a detected flow, want 0", n)
	}
}

// TestAllocsPool: a pool's steady state (packets of established flows,
// rounds handed over and merged) allocates nothing per packet either.
func TestAllocsPool(t *testing.T) {
	pl, err := NewPool(Config{Emit: func(*Flow) {}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close()
	var ps []capture.Packet
	for i := range 8 {
		c := newConv(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(2 + i)}), 40001).String(), "10.0.0.1:23456").open()
		for range 10 {
			c.pkt(true, capture.FlagACK, strings.Repeat("\x01", 100))
		}
		for i := range c.pkts {
			pl.Packet(&c.pkts[i])
		}
		ps = append(ps, c.pkts[len(c.pkts)-1])
	}
	for range 5000 { // warm the batch arenas and rings
		p := &ps[0]
		nextData(p, 100)
		pl.Packet(p)
	}
	pl.Sync()
	i := 0
	if n := testing.AllocsPerRun(20000, func() {
		p := &ps[i%len(ps)]
		i++
		nextData(p, 100)
		pl.Packet(p)
	}); n > 0.01 {
		t.Errorf("%.3f allocations per packet through a pool, want 0", n)
	}
}

// BenchmarkHeadGrowth fills one 8 KiB head in 100-byte segments from the
// free lists and gives it back: the cost of buffering a flow's start.
func BenchmarkHeadGrowth(b *testing.B) {
	e, _ := New(Config{Emit: func(*Flow) {}})
	seg := make([]byte, 100)
	b.ReportAllocs()
	for b.Loop() {
		var h head
		h.syn(0)
		for seq := uint32(1); !h.full; seq += 100 {
			h.add(seq, seg, 8192, e.grow)
		}
		e.putHead(h.release())
	}
}

// BenchmarkDetectUnrecognised is one flow of bytes no detector knows:
// handshake, a segment each way, inspection, every detector saying "not
// me", and its record (ns/op is per flow).
func BenchmarkDetectUnrecognised(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	base := newConv("10.0.0.2:40001", "10.0.0.1:23456").open().
		pkt(true, capture.FlagACK, "\x01"+randomText(r, 600)).pkt(false, capture.FlagACK, "\x02"+randomText(r, 1400)).close()
	e, _ := New(Config{Emit: func(*Flow) {}, MaxFlows: 1024})
	replayFlows(b, e, base, false)
}

// replayFlows feeds c's packets to e once per iteration of b, each time
// from a new client port (c's client port is 40001); with inspect the
// engine inspects after every packet, as when other flows start between
// them.
func replayFlows(b *testing.B, e *Engine, c *conv, inspect bool) {
	pkts := append([]capture.Packet(nil), c.pkts...)
	port := uint16(0)
	b.ReportAllocs()
	for b.Loop() {
		port++
		for i := range pkts {
			p := pkts[i]
			if p.SrcPort == 40001 {
				p.SrcPort = port
			} else {
				p.DstPort = port
			}
			e.Packet(&p)
			if inspect {
				e.inspectDirty()
			}
		}
	}
}

// BenchmarkFlowCreateEvict sends SYNs from ever new ports into a full
// table: each creates a flow and evicts the oldest (whose record is
// written).
func BenchmarkFlowCreateEvict(b *testing.B) {
	e, _ := New(Config{Emit: func(*Flow) {}, MaxFlows: 4096, ReuseFlow: true})
	p := newConv("10.0.0.2:1", "10.0.0.1:8476").pkt(true, capture.FlagSYN, "").pkts[0]
	n := uint32(0)
	b.ReportAllocs()
	for b.Loop() {
		n++
		p.Src = netip.AddrFrom4([4]byte{10, byte(n >> 24), byte(n >> 16), byte(n >> 8)})
		p.SrcPort = uint16(n)
		p.Timestamp = p.Timestamp.Add(time.Microsecond)
		e.Packet(&p)
	}
}

// BenchmarkDetectGrowing is one flow of bytes no detector knows whose
// client sends eight segments before the server answers: the head grows
// one segment at a time. It reports the detector calls per flow
// (passes/flow): with the detectors' Wait and Reject, client segments
// that cannot change an answer are not looked at again.
func BenchmarkDetectGrowing(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	base := newConv("10.0.0.2:40001", "10.0.0.1:23456").open()
	for range 8 {
		base.pkt(true, capture.FlagACK, "\x01"+randomText(r, 999))
	}
	base.pkt(false, capture.FlagACK, "\x02"+randomText(r, 999)).pkt(false, capture.FlagACK, randomText(r, 1000)).close()
	calls := 0
	var dets []Detector
	for _, d := range Registry() {
		d := d
		dets = append(dets, Detector{Name: d.Name, Reject: d.Reject, Detect: func(in *detect.Input, v *detect.Verdict) bool {
			calls++
			return d.Detect(in, v)
		}})
	}
	e, _ := New(Config{Emit: func(*Flow) {}, MaxFlows: 1024, Detectors: dets})
	replayFlows(b, e, base, true)
	b.ReportMetric(float64(calls)/float64(b.N), "passes/flow")
}

// TestAllocsFlowChurn: in a full table, a SYN of a new connection (a flow
// created, the oldest evicted and its record written) allocates nothing
// once the table is warm: a flood costs no garbage. Guards the one
// allocation per new flow that the FTP data-connection lookup once made.
func TestAllocsFlowChurn(t *testing.T) {
	e, _ := New(Config{Emit: func(*Flow) {}, MaxFlows: 4096, ReuseFlow: true})
	p := newConv("10.0.0.2:1", "10.0.0.1:8476").pkt(true, capture.FlagSYN, "").pkts[0]
	n := uint32(0)
	next := func() {
		n++
		p.Src = netip.AddrFrom4([4]byte{10, byte(n >> 24), byte(n >> 16), byte(n >> 8)})
		p.SrcPort = 1024 + uint16(n)
		p.Timestamp = p.Timestamp.Add(time.Microsecond)
		e.Packet(&p)
	}
	for range 3 * 4096 {
		next()
	}
	if s := e.Stats(); s.Evicted == 0 {
		t.Fatal("the table never filled")
	}
	if a := testing.AllocsPerRun(2000, next); a != 0 {
		t.Errorf("%.2f allocations per new flow in a full table, want 0", a)
	}
}
