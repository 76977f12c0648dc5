package classify

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/capture/synth"
	"github.com/ibmitap/ibmitap/catalog"
	"github.com/ibmitap/ibmitap/classify/detect"
)

func uh(s string) string {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Regression tests for defects found in review: each built the situation
// that broke the engine.

// R1: a segment 2^31 ahead of the expected sequence number panics.
func TestRegressSeqHalfSpacePanics(t *testing.T) {
	c := newConv("10.0.0.2:40001", "10.0.0.1:2222").open()
	p := c.pkt(true, capture.FlagACK, "abcdef").pkts[3]
	p.Seq += 1 << 31
	c.pkts[3] = p
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("PANIC: %v", r)
		}
	}()
	out, _ := runEngine(t, Config{}, c)
	if len(out) != 1 || out[0].PacketsC2S != 3 {
		t.Fatalf("want the one flow with its 3 client packets, got %d flows", len(out))
	}
}

// R2: a SYN carrying data (TFO) loses its first byte.
func TestRegressSYNData(t *testing.T) {
	c := newConv("10.0.0.2:40001", "10.0.0.1:2222")
	c.pkt(true, capture.FlagSYN, "HELLO world")
	var got string
	det := func(in *detect.Input, v *detect.Verdict) bool { got = string(in.C2S); return false }
	runEngine(t, Config{Detectors: []Detector{{Name: "x", Detect: det}}}, c)
	if got != "HELLO world" {
		t.Errorf("head = %q, want %q", got, "HELLO world")
	}
}

// R3: when the head memory budget is used up, a TLS flow on a TLS port is
// reported as plaintext with a high finding.
func TestRegressNoMemoryFalsePlaintext(t *testing.T) {
	a := newConv("10.0.0.2:40001", "10.0.0.1:9476").open().
		pkt(true, capture.FlagACK, string(synth.ClientHello("x", 1))).
		pkt(false, capture.FlagACK, string(synth.ServerHello(1)))
	b := newConv("10.0.0.2:40002", "10.0.0.1:9476").open().
		pkt(true, capture.FlagACK, string(synth.ClientHello("x", 2))).
		pkt(false, capture.FlagACK, string(synth.ServerHello(2)))
	// interleave: a holds its heads while b arrives
	out, e := runEngine(t, Config{Detectors: Registry(), HeadMemory: 8192}, &conv{pkts: append(append(a.pkts[:4:4], b.pkts...), a.pkts[4:]...)})
	if len(out) != 2 {
		t.Fatalf("%d flows, want 2", len(out))
	}
	for _, f := range out {
		if f.Service != "as-signon-s" || (f.Inspected && !f.Encrypted) {
			t.Errorf("%v: service %q inspected %v encrypted %v; want as-signon-s and never judged plaintext", f.Client, f.Service, f.Inspected, f.Encrypted)
		}
		t.Logf("%v enc=%v svc=%s findings=%+v", f.Client, f.Encrypted, f.Service, f.Findings)
		if hasKind(f.Findings, detect.KindPlaintextOnTLSPort) {
			t.Errorf("TLS flow %v flagged plaintext_on_tls_port (heads_no_memory=%d)", f.Client, e.Stats().HeadsNoMemory)
		}
	}
}

// R4: a capture that starts in the middle of a TLS session on a TLS port
// (first bytes are the continuation of an application-data record) is
// flagged as plaintext.
func TestRegressMidStreamTLS(t *testing.T) {
	rec := synth.AppData(3000, 7) // one record, split over segments
	c := newConv("10.0.0.2:40001", "10.0.0.1:9476")
	c.pkt(true, capture.FlagACK, string(rec[1400:2800]))
	c.pkt(false, capture.FlagACK, string(synth.AppData(500, 8)[100:]))
	c.pkt(true, capture.FlagACK, string(rec[2800:]))
	out, _ := runEngine(t, Config{Detectors: Registry()}, c)
	// The positive outcome: the flow is there, named by its port, and
	// either recognised as TLS or left unjudged (encrypted null), never
	// judged plaintext.
	if len(out) != 1 || out[0].Service != "as-signon-s" || !out[0].MidStream || (out[0].Inspected && !out[0].Encrypted) {
		t.Fatalf("want one mid-stream as-signon-s flow not judged plaintext, got %d flows", len(out))
	}
	for _, f := range out {
		t.Logf("%v->%v mid=%v enc=%v proto=%q findings=%+v", f.Client, f.Server, f.MidStream, f.Encrypted, f.Protocol, f.Findings)
		if hasKind(f.Findings, detect.KindPlaintextOnTLSPort) {
			t.Errorf("mid-stream TLS flagged plaintext_on_tls_port")
		}
	}
}

// R5: while an FTPS control connection is open, any TCP connection between
// the same two hosts on unregistered ports is labelled ftps-data, even a
// plaintext host-server session, and its plaintext finding disappears.
func TestRegressFTPSDataSwallowsHostServer(t *testing.T) {
	ctl := newConv("10.0.0.2:40001", "10.0.0.1:990").open().
		pkt(true, capture.FlagACK, string(synth.ClientHello("ibmi", 1))).
		pkt(false, capture.FlagACK, string(synth.ServerHello(1)))
	hs := newConv("10.0.0.2:40002", "10.0.0.1:18475").open().
		pkt(true, capture.FlagACK, uh("00 00 00 1C 03 00 E0 08 00 00 00 00 00 00 00 00 00 08 70 01 00 00 01 A1 FB 3B 20 AD")).
		pkt(false, capture.FlagACK, uh("00 00 00 20 03 03 E0 08 00 00 00 00 00 00 00 00 00 0C F0 01 00 00 00 00 A1 B2 C3 D4 E5 F6 07 18")).
		close()
	// control first, then the host-server session while control is open
	pk := append(append([]capture.Packet{}, ctl.pkts...), hs.pkts...)
	for i := range pk {
		pk[i].Timestamp = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	}
	out, _ := runEngine(t, Config{Detectors: Registry()}, &conv{pkts: pk})
	seen := false
	for _, f := range out {
		t.Logf("%v->%v svc=%s src=%s proto=%s enc=%v findings=%+v", f.Client, f.Server, f.Service, f.LabelSource, f.Protocol, f.Encrypted, f.Findings)
		if f.Server.Port() == 18475 {
			seen = true
			if f.Service != "as-rmtcmd" || !hasKind(f.Findings, detect.KindPlaintextWhereTLSExpected) {
				t.Errorf("plaintext host-server flow labelled %q; plaintext finding present=%v", f.Service, hasKind(f.Findings, detect.KindPlaintextWhereTLSExpected))
			}
		}
	}
	if !seen {
		t.Fatal("the host-server flow vanished")
	}
}

// R6: a lost segment followed by segments beyond the head limit never sets
// the hole flag, so the head keeps buffering for the flow's lifetime and
// HeadHoles is not counted.
func TestRegressHoleNeverDeclared(t *testing.T) {
	var h head
	h.syn(0)
	seg := make([]byte, 1448)
	for i := 1; i < 40; i++ { // segment 0 is lost
		h.add(1+uint32(i*1448), seg, 8192, testGrow)
	}
	if !h.hole {
		t.Errorf("hole=%v spans=%d after 39 segments past a lost one", h.hole, h.nspans)
	}
}

// R7: out-of-order data lives inside the head buffers, so the head memory
// in use never exceeds the budget, however many flows have gaps.
func TestRegressReorderingWithinBudget(t *testing.T) {
	var convs []*conv
	for i := 0; i < 200; i++ {
		c := newConv("10.0.0.2:"+strconv.Itoa(40000+i), "10.0.0.1:2222").open()
		c.cseq += 100 // gap
		big := strings.Repeat("x", 1000)
		for j := 0; j < 7; j++ {
			c.pkt(true, capture.FlagACK, big)
		}
		c.close()
		convs = append(convs, c)
	}
	out, e := runEngine(t, Config{HeadMemory: 8192 * 4}, convs...)
	if len(out) != 200 {
		t.Errorf("%d flows, want 200", len(out))
	}
	if e.headMem > 8192*4 {
		t.Errorf("head memory %d exceeds the budget %d", e.headMem, 8192*4)
	}
}

func TestRegressHostSiteTLSPort(t *testing.T) {
	for _, line := range []string{"10.0.0.1 19476 as-signon-s", "19476 as-signon-s"} {
		ents, err := catalog.ParseSite("site", strings.NewReader(line+"\n"), catalog.Default())
		if err != nil {
			t.Fatal(err)
		}
		cat, err := catalog.Default().With(ents)
		if err != nil {
			t.Fatal(err)
		}
		c := newConv("10.0.0.2:40001", "10.0.0.1:19476").open().pkt(true, capture.FlagACK, "plain text here").pkt(false, capture.FlagACK, "more plain").close()
		out, _ := runEngine(t, Config{Catalog: cat, Detectors: Registry()}, c)
		if len(out) != 1 {
			t.Fatalf("%q: %d flows", line, len(out))
		}
		f := out[0]
		t.Logf("%q: svc=%s src=%s findings=%+v", line, f.Service, f.LabelSource, f.Findings)
		if !hasKind(f.Findings, detect.KindPlaintextOnTLSPort) {
			t.Errorf("%q: plaintext on a site-declared TLS port not flagged", line)
		}
	}
}

func TestRegressTombstoneReuse(t *testing.T) {
	c := newConv("10.0.0.2:40001", "10.0.0.1:2222").open().pkt(true, capture.FlagACK, "HELLO a").close()
	c.cseq += 100000
	c.open().pkt(true, capture.FlagACK, "HELLO b").pkt(false, capture.FlagACK, "x").close()
	out, _ := runEngine(t, Config{}, c)
	for _, f := range out {
		t.Logf("%v pk=%d/%d end=%s user=%q", f.Client, f.PacketsC2S, f.PacketsS2C, f.EndReason, f.User)
	}
	if len(out) != 2 {
		t.Errorf("got %d flows", len(out))
	}
}

// A connection whose FIN was not captured, reused (new SYN, new ISN) within
// the idle timeout: merged into one flow; the second connection's bytes are
// never inspected.
func TestRegressReuseOfOpenFlow(t *testing.T) {
	c := newConv("10.0.0.2:40001", "10.0.0.1:2222").open().pkt(true, capture.FlagACK, "zzzz")
	c.cseq += 1 << 20
	c.sseq += 1 << 20
	c.open().pkt(true, capture.FlagACK, "HELLO b").pkt(false, capture.FlagACK, "x").close()
	out, _ := runEngine(t, Config{}, c)
	for _, f := range out {
		t.Logf("%v pk=%d/%d end=%s proto=%q", f.Client, f.PacketsC2S, f.PacketsS2C, f.EndReason, f.Protocol)
	}
	if len(out) != 2 {
		t.Errorf("got %d flows, want 2 (new SYN with a new ISN on an open flow)", len(out))
	}
}

// R8: without a SYN, a wide range of the general port list (1024-5000) must
// not outrank an IBM i port: the host server is the server.
func TestRegressOrientationRanksIBMiPorts(t *testing.T) {
	c := newConv("10.0.0.2:1234", "10.0.0.1:8475").pkt(true, capture.FlagACK, "x")
	out, _ := runEngine(t, Config{}, c)
	if len(out) != 1 || out[0].Server.Port() != 8475 {
		t.Fatalf("server = %v, want port 8475", out[0].Server)
	}
}

// R9: one packet stamped in 2106 in the middle of a capture must neither
// end every open flow as idle nor freeze the clock.
func TestRegressOneBadTimestamp(t *testing.T) {
	a := newConv("10.0.0.2:40001", "10.0.0.1:2222").open().pkt(true, capture.FlagACK, "one")
	b := newConv("10.0.0.3:40002", "10.0.0.1:2222").open()
	b.pkts[1].Timestamp = time.Unix(0xFFFFFFF0, 0)
	// Later, a real gap of 20 minutes: the first flow is idle by then.
	c := newConv("10.0.0.4:40003", "10.0.0.1:2222")
	c.t = a.t.Add(20 * time.Minute)
	c.open().pkt(true, capture.FlagACK, "x")
	var ended []string
	e, _ := New(Config{Detectors: []Detector{}, Emit: func(f *Flow) { ended = append(ended, f.Client.String()+" "+f.EndReason) }})
	for _, cv := range []*conv{a, b, c} {
		for i := range cv.pkts {
			e.Packet(&cv.pkts[i])
		}
	}
	// The 2106 packet is held back; so is the first packet after the real
	// gap, until the second confirms it.
	if e.Stats().ClockJumps != 2 {
		t.Errorf("clock jumps = %d, want 2", e.Stats().ClockJumps)
	}
	// Only after the confirmed 20-minute gap do a and b end, as idle.
	if strings.Join(ended, ",") != "10.0.0.2:40001 idle,10.0.0.3:40002 idle" {
		t.Errorf("ended %v", ended)
	}
	var starts []string
	e.cfg.Emit = func(f *Flow) { starts = append(starts, f.Start.Sub(a.t).Round(time.Minute).String()) }
	e.Flush()
	// The flow whose first packet was held back gets its true start.
	if len(starts) != 1 || starts[0] != "20m0s" {
		t.Errorf("start of the flow after the gap: %v", starts)
	}
}

// R10: a flood of open connections that each sent a few bytes uses up the
// head memory; a login that comes after them is still inspected, because
// heads start small and the oldest flows give theirs back.
func TestRegressHeadFloodDoesNotBlind(t *testing.T) {
	var convs []*conv
	for i := 0; i < 300; i++ {
		c := newConv("10.0.0.2:"+strconv.Itoa(20000+i), "10.0.0.1:"+strconv.Itoa(30000+i)).open()
		convs = append(convs, c.pkt(true, capture.FlagACK, "hello\r\n"))
	}
	ftp := newConv("10.0.0.9:40000", "10.0.0.1:21").open().
		pkt(false, capture.FlagACK, "220 FTP server ready\r\n").
		pkt(true, capture.FlagACK, "USER bob\r\n").
		pkt(false, capture.FlagACK, "331 Password required\r\n").
		pkt(true, capture.FlagACK, "PASS secret123\r\n").
		pkt(false, capture.FlagACK, "230 Logged in\r\n")
	convs = append(convs, ftp)
	out, e := runEngine(t, Config{Detectors: Registry(), HeadMemory: 100 * minHead}, convs...)
	for _, f := range out {
		if f.Server.Port() == 21 {
			if f.User != "bob" || !hasKind(f.Findings, detect.KindCleartextPassword) {
				t.Errorf("FTP login after the flood: user %q findings %+v (stats %+v)", f.User, f.Findings, e.Stats())
			}
			return
		}
	}
	t.Fatal("no FTP flow")
}
