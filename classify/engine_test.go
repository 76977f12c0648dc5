package classify

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// conv builds packets of one TCP conversation for engine tests.
type conv struct {
	cli, srv   netip.AddrPort
	cseq, sseq uint32
	t          time.Time
	pkts       []capture.Packet
}

func newConv(cli, srv string) *conv {
	return &conv{
		cli: netip.MustParseAddrPort(cli), srv: netip.MustParseAddrPort(srv),
		cseq: 1000, sseq: 5000, t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func (c *conv) pkt(fromClient bool, flags uint8, data string) *conv {
	c.t = c.t.Add(time.Millisecond)
	p := capture.Packet{Timestamp: c.t, Transport: capture.TCP, TCPFlags: flags, Payload: []byte(data), IPPayloadLen: 20 + len(data)}
	if fromClient {
		p.Src, p.SrcPort, p.Dst, p.DstPort = c.cli.Addr(), c.cli.Port(), c.srv.Addr(), c.srv.Port()
		p.Seq, p.Ack = c.cseq, c.sseq
		c.cseq += uint32(len(data))
		if flags&(capture.FlagSYN|capture.FlagFIN) != 0 {
			c.cseq++
		}
	} else {
		p.Src, p.SrcPort, p.Dst, p.DstPort = c.srv.Addr(), c.srv.Port(), c.cli.Addr(), c.cli.Port()
		p.Seq, p.Ack = c.sseq, c.cseq
		c.sseq += uint32(len(data))
		if flags&(capture.FlagSYN|capture.FlagFIN) != 0 {
			c.sseq++
		}
	}
	c.pkts = append(c.pkts, p)
	return c
}

func (c *conv) open() *conv {
	return c.pkt(true, capture.FlagSYN, "").pkt(false, capture.FlagSYN|capture.FlagACK, "").pkt(true, capture.FlagACK, "")
}

func (c *conv) close() *conv {
	return c.pkt(true, capture.FlagFIN|capture.FlagACK, "").pkt(false, capture.FlagFIN|capture.FlagACK, "").pkt(true, capture.FlagACK, "")
}

// echoDetector recognises flows whose client starts with "HELLO".
func echoDetector(in *detect.Input, v *detect.Verdict) bool {
	if len(in.C2S) < 5 || string(in.C2S[:5]) != "HELLO" {
		return false
	}
	v.Protocol = "hello"
	if len(in.S2C) > 0 {
		v.User = "ALICE"
	}
	return true
}

func runEngine(t *testing.T, cfg Config, convs ...*conv) ([]*Flow, *Engine) {
	t.Helper()
	var out []*Flow
	cfg.Emit = func(f *Flow) { out = append(out, f) }
	if cfg.Detectors == nil {
		cfg.Detectors = []Detector{{Name: "hello", Detect: echoDetector}}
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range convs {
		for i := range c.pkts {
			e.Packet(&c.pkts[i])
		}
	}
	e.Flush()
	return out, e
}

func TestEngineOrientationAndCounters(t *testing.T) {
	c := newConv("10.0.0.2:40001", "10.0.0.1:8476").open().
		pkt(true, capture.FlagACK|capture.FlagPSH, "HELLO there").
		pkt(false, capture.FlagACK|capture.FlagPSH, "hi").
		close()
	// A stray ACK after the close must not create a second flow; it counts.
	c.pkt(false, capture.FlagACK, "")
	out, e := runEngine(t, Config{}, c)
	if len(out) != 1 {
		t.Fatalf("got %d flows, want 1", len(out))
	}
	f := out[0]
	if f.Client != c.cli || f.Server != c.srv {
		t.Errorf("client/server = %v/%v", f.Client, f.Server)
	}
	if f.PacketsC2S != 5 || f.PacketsS2C != 4 {
		t.Errorf("packets = %d/%d, want 5/4", f.PacketsC2S, f.PacketsS2C)
	}
	if f.Protocol != "hello" || f.User != "ALICE" || f.EndReason != EndFIN {
		t.Errorf("protocol %q user %q end %q", f.Protocol, f.User, f.EndReason)
	}
	if e.Stats().LatePackets != 0 {
		t.Errorf("late packets = %d, want 0 (the ACKs of a close are expected)", e.Stats().LatePackets)
	}
}

func TestEngineMidStreamOrientation(t *testing.T) {
	// No SYN: the catalog port decides the server, whichever side spoke first.
	c := newConv("10.0.0.2:51000", "10.0.0.1:8471").pkt(false, capture.FlagACK, "data from server")
	out, _ := runEngine(t, Config{}, c)
	if len(out) != 1 || out[0].Server != c.srv || !out[0].MidStream {
		t.Fatalf("got %+v", out)
	}
}

func TestEngineEvictionCounted(t *testing.T) {
	var convs []*conv
	for i := 0; i < 10; i++ {
		convs = append(convs, newConv(netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), uint16(40000+i)).String(), "10.0.0.1:8476").open())
	}
	out, e := runEngine(t, Config{MaxFlows: 4}, convs...)
	if len(out) != 10 {
		t.Fatalf("got %d records, want 10 (evicted flows are still reported)", len(out))
	}
	if e.Stats().Evicted != 6 {
		t.Errorf("evicted = %d, want 6", e.Stats().Evicted)
	}
}

func TestEngineIdleExpiry(t *testing.T) {
	a := newConv("10.0.0.2:40001", "10.0.0.1:8476").open()
	b := newConv("10.0.0.3:40002", "10.0.0.1:8476")
	b.t = a.t.Add(10 * time.Minute)
	b.open()
	var order []string
	cfg := Config{Detectors: []Detector{}, Emit: func(f *Flow) { order = append(order, f.Client.String()+" "+f.EndReason) }}
	e, _ := New(cfg)
	for _, c := range []*conv{a, b} {
		for i := range c.pkts {
			e.Packet(&c.pkts[i])
		}
	}
	if len(order) != 1 || order[0] != "10.0.0.2:40001 idle" {
		t.Fatalf("after 10 minutes of packet time: %v", order)
	}
	e.Flush()
	if len(order) != 2 {
		t.Fatalf("after flush: %v", order)
	}
}

func TestEngineNoPayloadNoFindings(t *testing.T) {
	c := newConv("10.0.0.2:40001", "10.0.0.1:8476").open().close()
	out, _ := runEngine(t, Config{}, c)
	if len(out) != 1 {
		t.Fatal("no flow")
	}
	if out[0].HasPayload || len(out[0].Findings) != 0 {
		t.Errorf("payload-less flow: payload %v findings %+v", out[0].HasPayload, out[0].Findings)
	}
}

func TestEnginePlaintextOnHostServerPort(t *testing.T) {
	c := newConv("10.0.0.2:40001", "10.0.0.1:8476").open().pkt(true, capture.FlagACK, "something").close()
	out, _ := runEngine(t, Config{}, c)
	if len(out) != 1 || out[0].Service != "as-signon" || out[0].LabelSource != SourcePort {
		t.Fatalf("got %+v", out)
	}
	if !hasKind(out[0].Findings, detect.KindPlaintextWhereTLSExpected) {
		t.Errorf("findings %+v lack plaintext_where_tls_expected", out[0].Findings)
	}
}

func hasKind(fs []detect.Finding, kind string) bool {
	for _, f := range fs {
		if f.Kind == kind {
			return true
		}
	}
	return false
}

// steadyState returns an engine holding one established flow whose heads are
// done, and a data packet of it.
func steadyState(tb testing.TB) (*Engine, *capture.Packet) {
	c := newConv("10.0.0.2:40001", "10.0.0.1:2222").open()
	big := make([]byte, 1400)
	for i := 0; i < 20; i++ {
		c.pkt(true, capture.FlagACK, string(big)).pkt(false, capture.FlagACK, string(big))
	}
	e, err := New(Config{Emit: func(*Flow) {}, HeadBytes: 4096})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range c.pkts {
		e.Packet(&c.pkts[i])
	}
	p := c.pkts[len(c.pkts)-1]
	return e, &p
}

func TestPacketPathAllocatesNothing(t *testing.T) {
	e, p := steadyState(t)
	allocs := testing.AllocsPerRun(1000, func() {
		p.Seq += 1400
		p.Timestamp = p.Timestamp.Add(time.Microsecond)
		e.Packet(p)
	})
	if allocs != 0 {
		t.Errorf("steady-state Packet allocates %.1f times per packet, want 0", allocs)
	}
}

func BenchmarkEnginePacket(b *testing.B) {
	e, p := steadyState(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Seq += 1400
		p.Timestamp = p.Timestamp.Add(time.Microsecond)
		e.Packet(p)
	}
}

// TestSYNsOnlyRaiseNothing: connection attempts that never carried payload
// get no finding, whatever the port.
func TestSYNsOnlyRaiseNothing(t *testing.T) {
	var convs []*conv
	for i, port := range []string{"21", "23", "389", "446", "992", "8471", "8476", "9476", "449", "445", "2001"} {
		c := newConv(netip.AddrPortFrom(netip.MustParseAddr("10.0.0.9"), uint16(50000+i)).String(), "10.0.0.1:"+port)
		c.pkt(true, capture.FlagSYN, "")
		retry := c.pkts[0] // a retransmitted SYN keeps its sequence number
		retry.Timestamp = retry.Timestamp.Add(time.Second)
		c.pkts = append(c.pkts, retry)
		convs = append(convs, c)
	}
	out, _ := runEngine(t, Config{Detectors: Registry()}, convs...)
	if len(out) != len(convs) {
		t.Fatalf("got %d flows, want %d", len(out), len(convs))
	}
	for _, f := range out {
		if f.HasPayload || len(f.Findings) != 0 || f.User != "" {
			t.Errorf("%v: payload %v findings %+v user %q", f.Server, f.HasPayload, f.Findings, f.User)
		}
	}
}

// FuzzEngine feeds packets cut from arbitrary bytes to the engine with the
// full registry: nothing may panic, and every flow is reported at the end.
func FuzzEngine(f *testing.F) {
	f.Add([]byte("\x02\x00\x00\x00\x1c\x01\x00\xe0\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x70\x01\x00\x00\x01\xa1\xfb\x81\x62\xf7"))
	f.Add([]byte("\x18\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03"))
	f.Add([]byte("\x11USER alice\r\nPASS x\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ports := []uint16{21, 23, 389, 446, 449, 445, 8476, 9476, 512, 2001, 40000}
		e, err := New(Config{Detectors: Registry(), Emit: func(*Flow) {}, MaxFlows: 8, HeadBytes: 512})
		if err != nil {
			t.Fatal(err)
		}
		ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var seq [2]uint32
		for len(data) > 0 {
			ctl := data[0]
			data = data[1:]
			n := int(ctl>>3) + 1
			if n > len(data) {
				n = len(data)
			}
			p := capture.Packet{Timestamp: ts, Transport: capture.TCP, Payload: data[:n], IPPayloadLen: n + 20}
			if ctl&0x40 != 0 {
				p.Transport = capture.UDP
			}
			port := ports[int(ctl)%len(ports)]
			cli := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), 40001+uint16(ctl&1))
			srv := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), port)
			dir := int(ctl>>2) & 1
			if dir == 0 {
				p.Src, p.SrcPort, p.Dst, p.DstPort = cli.Addr(), cli.Port(), srv.Addr(), srv.Port()
			} else {
				p.Src, p.SrcPort, p.Dst, p.DstPort = srv.Addr(), srv.Port(), cli.Addr(), cli.Port()
			}
			p.TCPFlags = capture.FlagACK | (ctl & (capture.FlagFIN | capture.FlagSYN))
			p.Seq = seq[dir]
			seq[dir] += uint32(n)
			if ctl&0x80 != 0 {
				p.Seq -= uint32(n / 2) // overlap
			}
			e.Packet(&p)
			data = data[n:]
			ts = ts.Add(time.Duration(ctl) * time.Second)
		}
		e.Flush()
		if s := e.Stats(); s.Emitted != s.Flows {
			t.Fatalf("flows %d, records %d", s.Flows, s.Emitted)
		}
	})
}

// TestHeadBytesLimit: head offsets are kept in 32 bits, so a head limit
// beyond maxHeadBytes is refused when the engine is made, never wrapped.
func TestHeadBytesLimit(t *testing.T) {
	if _, err := New(Config{Emit: func(*Flow) {}, HeadBytes: maxHeadBytes + 1}); err == nil {
		t.Error("New took a head limit above maxHeadBytes")
	}
	if _, err := New(Config{Emit: func(*Flow) {}, HeadBytes: maxHeadBytes}); err != nil {
		t.Errorf("New refused the largest head limit: %v", err)
	}
}
