//go:build linux

package capture_test

import (
	"bufio"
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/capture/synth"
	"github.com/ibmitap/ibmitap/internal/netnstest"
)

// manyPairs writes a capture of conns connections over pairs host pairs
// (IPv4 and IPv6), several connections per pair on different ports, the way
// a port-mapper lookup precedes the host-server connection it teaches.
func manyPairs(t testing.TB, pairs, connsPerPair int, vlans ...uint16) (string, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pairs.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w, err := synth.NewWriter(bw, synth.Options{VLANs: vlans})
	if err != nil {
		t.Fatal(err)
	}
	for i := range pairs {
		cl := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		sv := netip.AddrFrom4([4]byte{10, 1, 0, byte(1 + i%7)})
		if i%4 == 3 {
			cl = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(i >> 8), 15: byte(i)})
			sv = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 1, 15: byte(1 + i%7)})
		}
		for c := range connsPerPair {
			port := []uint16{449, 8476, 8471, 21, 20}[c%5]
			conn := w.TCP(netip.AddrPortFrom(cl, uint16(40000+c+i)), netip.AddrPortFrom(sv, port))
			conn.Handshake()
			conn.Exchange(synth.Client, []byte("request"))
			conn.Exchange(synth.Server, []byte("answer"))
			conn.Close()
		}
	}
	if err := bw.Flush(); err != nil || w.Err() != nil {
		t.Fatal(err, w.Err())
	}
	f.Close()
	return path, w.Packets()
}

type pairKey struct{ a, b netip.Addr }

func keyOf(p *capture.Packet) pairKey {
	if p.Dst.Less(p.Src) {
		return pairKey{p.Dst, p.Src}
	}
	return pairKey{p.Src, p.Dst}
}

// TestLiveFanoutKeepsHostPairs: with two sockets in one fanout group, every
// packet of an unordered address pair lands on the same socket, whatever
// its ports or direction; with two interfaces (a group each), on the same
// worker on both.
func TestLiveFanoutKeepsHostPairs(t *testing.T) {
	p := netnstest.New(t, "live")
	ifA2, ifB2 := p.AddLink(t)
	file, n := manyPairs(t, 64, 5)
	var (
		workers []capture.Live
		err     error
	)
	p.Do(t, p.B, func() {
		workers, err = capture.OpenLiveWorkers(context.Background(), capture.LiveConfig{
			Interfaces: []string{p.IfB, ifB2}, RingMiB: 8, ReadTimeout: 100 * time.Millisecond, FanoutID: 4242,
		}, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range workers {
		defer w.Close()
	}
	p.Replay(t, file, netnstest.TopSpeed)
	if err := p.ReplayOn(ifA2, file, netnstest.TopSpeed); err != nil {
		t.Fatal(err)
	}
	n *= 2
	owner := map[pairKey]int{}
	total := 0
	perWorker := make([]int, 2)
	for i, w := range workers {
		var pk capture.Packet
		for {
			err := w.Next(&pk)
			if errors.Is(err, capture.ErrIdle) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			k := keyOf(&pk)
			if o, seen := owner[k]; seen && o != i {
				t.Fatalf("pair %v-%v on worker %d and %d", k.a, k.b, o, i)
			}
			owner[k] = i
			total++
			perWorker[i]++
		}
	}
	if total != n {
		t.Errorf("workers read %d packets, the file has %d", total, n)
	}
	if perWorker[0] == 0 || perWorker[1] == 0 {
		t.Errorf("one worker got nothing: %v", perWorker)
	}
	t.Logf("%d pairs, packets per worker %v", len(owner), perWorker)
	st := capture.Sum(workers[0].Stats(), workers[1].Stats())
	if st.Decoded != uint64(n) || st.KernelPackets != uint64(n) {
		t.Errorf("summed stats: decoded %d, kernel %d, want %d", st.Decoded, st.KernelPackets, n)
	}
}

// TestLiveVLAN: the kernel removes the tag; the source reports it from the
// packet metadata, and a socket filter's vlan reads it there.
func TestLiveVLAN(t *testing.T) {
	p := netnstest.New(t, "live")
	file, n := manyPairs(t, 4, 2, 100)
	all := open(t, p, capture.LiveConfig{})
	tagged := open(t, p, capture.LiveConfig{Filter: "vlan 100 and tcp"})
	other := open(t, p, capture.LiveConfig{Filter: "vlan 200"})
	p.Replay(t, file, netnstest.TopSpeed)
	got := drain(t, all, n)
	want := fileViews(t, file, nil)
	if len(got) != n || len(want) != n {
		t.Fatalf("live %d packets, file %d, written %d", len(got), len(want), n)
	}
	for i := range got {
		// The file has the tag in the frame, the live socket in the
		// metadata: both give VLAN 100.
		if got[i] != want[i] || !strings.Contains(got[i], " vlan100 ") {
			t.Fatalf("packet %d:\n live %s\n file %s", i+1, got[i], want[i])
		}
	}
	if got := drain(t, tagged, n); len(got) != n {
		t.Errorf("filter 'vlan 100 and tcp' let %d of %d through", len(got), n)
	}
	if got := drain(t, other, 0); len(got) != 0 {
		t.Errorf("filter 'vlan 200' let %d through", len(got))
	}
}

// TestLiveZeroAlloc: after warm-up, Next allocates nothing per packet.
func TestLiveZeroAlloc(t *testing.T) {
	p := netnstest.New(t, "live")
	file, n := manyPairs(t, 200, 5)
	src := open(t, p, capture.LiveConfig{RingMiB: 32})
	p.Replay(t, file, netnstest.TopSpeed)
	time.Sleep(50 * time.Millisecond) // let the last block retire
	var pk capture.Packet
	for range 100 {
		if err := src.Next(&pk); err != nil {
			t.Fatal(err)
		}
	}
	runs := min(n-200, 3000)
	if a := testing.AllocsPerRun(runs, func() {
		if err := src.Next(&pk); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Next allocates %.2f times per packet", a)
	}
}

// TestLiveLinkDown: an interface that goes down is reported once, counted,
// and resumes when it comes back; the source does not fail.
func TestLiveLinkDown(t *testing.T) { linkDown(t, capture.EngineAFPacket) }

// TestLiveInterfaceReplaced: an interface deleted and created again (new
// index) is reported, reopened, and captured from again.
func TestLiveInterfaceReplaced(t *testing.T) { linkLost(t, capture.EngineAFPacket, true) }

func linkDown(t *testing.T, engine string) { linkLost(t, engine, false) }

func linkLost(t *testing.T, engine string, replace bool) {
	p := netnstest.New(t, "live")
	src := open(t, p, capture.LiveConfig{Engine: engine, ReadTimeout: 100 * time.Millisecond})
	file := "../testdata/http-basic.pcap"
	want := len(fileViews(t, file, nil))
	go func() {
		time.Sleep(200 * time.Millisecond)
		if replace {
			if err := p.RelinkErr(); err != nil {
				t.Error(err)
			}
		} else {
			p.Exec(p.B, "ip", "link", "set", p.IfB, "down")
			time.Sleep(300 * time.Millisecond)
			p.Exec(p.B, "ip", "link", "set", p.IfB, "up")
		}
		time.Sleep(1500 * time.Millisecond) // first retry after 1 s
		p.ReplayErr(file, netnstest.TopSpeed)
	}()
	var linkErrs, got int
	deadline := time.Now().Add(6 * time.Second)
	func() { // Next runs outside B: the source retries in its own namespace
		var pk capture.Packet
		for got < want && time.Now().Before(deadline) {
			err := src.Next(&pk)
			var le *capture.LinkError
			switch {
			case err == nil:
				got++
			case errors.As(err, &le) && errors.Is(err, capture.ErrLinkDown):
				linkErrs++
				if le.Interface != p.IfB {
					t.Errorf("link error names %q", le.Interface)
				}
				t.Logf("reported: %v", err)
			case errors.Is(err, capture.ErrIdle):
			default:
				t.Fatalf("Next: %v", err)
			}
		}
	}()
	if linkErrs != 1 || got != want {
		t.Errorf("%d link errors (want 1), %d packets after recovery (want %d)", linkErrs, got, want)
	}
	var pk capture.Packet
	src.Next(&pk) // idle: publishes the counters
	is := src.Interfaces()
	if st := src.Stats(); st.LinkDowns != 1 || !is[0].Up || is[0].Err == nil {
		t.Errorf("link downs %d, interface %+v", st.LinkDowns, is[0])
	}
}
