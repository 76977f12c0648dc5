package classify

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// TestSettledDirection: once HTTP's response headers are in, the server
// direction stops buffering (its head shrinks to the headers) while the
// client's goes on, so a later request's credentials are still found.
func TestSettledDirection(t *testing.T) {
	hdr := "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n"
	c := newConv("10.0.0.2:40001", "10.0.0.1:8080").open().
		pkt(true, capture.FlagACK, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").
		pkt(false, capture.FlagACK, hdr+strings.Repeat("a", 1000))
	for range 2 {
		c.pkt(false, capture.FlagACK, strings.Repeat("b", 1000))
	}
	var out []*Flow
	e, _ := New(Config{Emit: func(f *Flow) { out = append(out, f) }})
	feed(e, c)
	e.inspectDirty()
	f := e.lookup(&c.pkts[0])
	if f == nil || !f.buffering || f.d == nil {
		t.Fatal("the flow stopped buffering")
	}
	h := &f.d.heads[s2c]
	if !h.done || len(h.buf) != len(hdr) || cap(h.buf) > minHead {
		t.Errorf("server head: settled %v, %d bytes in a %d-byte buffer; want the %d header bytes in the smallest one", h.done, len(h.buf), cap(h.buf), len(hdr))
	}
	c.pkts = c.pkts[:0]
	c.pkt(true, capture.FlagACK, "GET /b HTTP/1.1\r\nAuthorization: Basic cGlwZTpGYWtlLVB3LXBpcGUtNU0=\r\n\r\n").close()
	feed(e, c)
	e.Flush()
	if len(out) != 1 || out[0].Protocol != "http" || len(out[0].Findings) == 0 || out[0].Findings[0].Kind != detect.KindCleartextPassword {
		t.Errorf("records %+v: want one http flow with the later request's password finding", out)
	}
}

// TestWaitSkips: a detector that waits for 100 client bytes (then for
// nothing) is not asked again while the head grows ten bytes at a time
// below that, nor for the server's bytes.
func TestWaitSkips(t *testing.T) {
	calls := 0
	det := Detector{Name: "wait", Detect: func(in *detect.Input, v *detect.Verdict) bool {
		calls++
		v.Wait = detect.Wait{C2S: 100, S2C: detect.Never}
		if len(in.C2S) >= 100 {
			v.Wait.C2S = detect.Never
		}
		return false
	}, Reject: func(in *detect.Input) bool { return false }}
	c := newConv("10.0.0.2:40001", "10.0.0.1:23456").open()
	for range 12 {
		c.pkt(true, capture.FlagACK, "0123456789")
	}
	c.pkt(false, capture.FlagACK, "server")
	e, _ := New(Config{Emit: func(*Flow) {}, Detectors: []Detector{det}})
	for i := range c.pkts {
		e.Packet(&c.pkts[i])
		e.inspectDirty()
	}
	// Asked at 10 bytes, then at 100, and not for the server's bytes.
	if calls != 2 {
		t.Errorf("asked %d times, want 2", calls)
	}
}

// TestFreeListBounded: when many open flows end at once, the free lists
// keep no more than their floor; the rest of the head memory goes back.
func TestFreeListBounded(t *testing.T) {
	e, _ := New(Config{Emit: func(*Flow) {}})
	body := strings.Repeat("\x01", 1400)
	for i := range 200 {
		c := newConv(fmt.Sprintf("10.0.%d.%d:40001", i/250, 1+i%250), "10.0.0.1:23456").open().
			pkt(true, capture.FlagACK, "GET / HTTP/1.1\r\nHost: x\r\nX: "+body)
		feed(e, c)
	}
	e.inspectDirty()
	if e.headMem < 200*2048 {
		t.Fatalf("only %d bytes of heads for 200 flows", e.headMem)
	}
	e.Flush()
	idle := int64(0)
	for _, l := range e.bufs {
		for _, b := range l {
			idle += int64(cap(b))
		}
	}
	floor := int64(idleFloor * e.cfg.HeadBytes)
	if idle != e.idleMem || e.headMem != idle || idle > floor {
		t.Errorf("after the flows ended: %d bytes idle (counted %d), %d handed out; want at most %d idle and nothing else", idle, e.idleMem, e.headMem, floor)
	}
}

// TestMidStreamWindow: a flow picked up mid-stream is searched in the
// first midWindow bytes of each direction; once both passed it without a
// match it stops buffering, and TLS records that chain inside the window
// are still found.
func TestMidStreamWindow(t *testing.T) {
	junk := strings.Repeat("a", 3000)
	c := newConv("10.0.0.2:40001", "10.0.0.1:23456")
	for range 2 {
		c.pkt(true, capture.FlagACK, junk).pkt(false, capture.FlagACK, junk)
	}
	e, _ := New(Config{Emit: func(*Flow) {}})
	feed(e, c)
	e.inspectDirty()
	f := e.lookup(&c.pkts[0])
	if f == nil || !f.midStream || f.buffering || e.ownsHeads(f) {
		t.Fatalf("mid-stream flow past the window: buffering %v, heads held %v", f != nil && f.buffering, f != nil && e.ownsHeads(f))
	}

	rec := "\x17\x03\x03\x00\x20" + strings.Repeat("\x5a", 32)
	var out []*Flow
	e, _ = New(Config{Emit: func(f *Flow) { out = append(out, f) }})
	c = newConv("10.0.0.2:40002", "10.0.0.1:23456").
		pkt(true, capture.FlagACK, junk+rec+rec).pkt(false, capture.FlagACK, junk).pkt(false, capture.FlagACK, junk)
	feed(e, c)
	e.Flush()
	if len(out) != 1 || out[0].Protocol != "tls" || !out[0].Encrypted {
		t.Errorf("records %+v: want the mid-stream TLS flow recognised", out)
	}
}

// TestWaitFixtures: the detectors that can only be decided by the server
// once the client's bytes rule their client side out say so, and MySQL
// waits for the whole handshake packet its header announces.
func TestWaitFixtures(t *testing.T) {
	byName := map[string]Detector{}
	for _, d := range Registry() {
		byName[d.Name] = d
	}
	random := []byte("\x8c\x18\xf3\xf2\x6d\xfc\x7f\xb8\xde\x23\xc0\xd6\x0b\xaf\x55\xad\x34")
	for _, tc := range []struct {
		det      string
		c2s, s2c string
		want     detect.Wait
	}{
		{"ssh", string(random), "", detect.Wait{C2S: detect.Never}},
		{"ssh", "SSH-2.", "", detect.Wait{}},
		{"telnet", string(random), "", detect.Wait{C2S: detect.Never}},
		{"telnet", "\xff\xfb", "", detect.Wait{}},
		{"smb", string(random), "", detect.Wait{C2S: detect.Never}},
		{"mysql", string(random), "", detect.Wait{C2S: detect.Never, S2C: 5}},
		{"mysql", "", "\x4a\x00\x00\x00\x0a8.0", detect.Wait{C2S: detect.Never, S2C: 4 + 0x4a}},
	} {
		in := detect.Input{C2S: []byte(tc.c2s), S2C: []byte(tc.s2c), Transport: 6, ClientPort: 40000, ServerPort: 30000}
		var v detect.Verdict
		if byName[tc.det].Detect(&in, &v) || v.Wait != tc.want {
			t.Errorf("%s on %q | %q: Wait %+v, want %+v", tc.det, tc.c2s, tc.s2c, v.Wait, tc.want)
		}
	}
}

// TestSettleUnderPressure: settling a direction with the head memory used
// up keeps its buffer (cut to what the detector reads) rather than taking
// another flow's heads.
func TestSettleUnderPressure(t *testing.T) {
	a := newConv("10.0.0.3:40001", "10.0.0.1:23456").open().pkt(true, capture.FlagACK, strings.Repeat("\x01", 100))
	b := newConv("10.0.0.2:40001", "10.0.0.1:8080").open().
		pkt(true, capture.FlagACK, "GET / HTTP/1.1\r\n\r\n").
		pkt(false, capture.FlagACK, "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n"+strings.Repeat("b", 3000))
	e, _ := New(Config{Emit: func(*Flow) {}, HeadMemory: 128 + 128 + 4096})
	feed(e, a)
	feed(e, b)
	e.inspectDirty()
	fa, fb := e.lookup(&a.pkts[0]), e.lookup(&b.pkts[0])
	if e.stats.HeadsReclaimed != 0 || !fa.buffering {
		t.Errorf("settling took another flow's heads (%d reclaimed)", e.stats.HeadsReclaimed)
	}
	if fb.verdict().Protocol != "http" || !fb.d.heads[s2c].done {
		t.Errorf("http flow: verdict %q, server side settled %v", fb.verdict().Protocol, fb.d.heads[s2c].done)
	}
}
