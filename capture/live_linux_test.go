//go:build linux

package capture_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/capture/filter"
	"github.com/ibmitap/ibmitap/internal/netnstest"
)

// open opens a live source on the receiving end of the pair, inside its
// namespace.
func open(t *testing.T, p *netnstest.Pair, cfg capture.LiveConfig) capture.Live {
	t.Helper()
	cfg.Interfaces = []string{p.IfB}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 100 * time.Millisecond
	}
	if cfg.RingMiB == 0 {
		cfg.RingMiB = 8
	}
	var (
		src capture.Live
		err error
	)
	p.Do(t, p.B, func() { src, err = capture.OpenLive(context.Background(), cfg) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// view is what equivalence compares: everything but times and numbering.
func view(p *capture.Packet) string {
	return fmt.Sprintf("%v:%d>%v:%d t%d f%02x s%d a%d len%d trunc%v vlan%d %x",
		p.Src, p.SrcPort, p.Dst, p.DstPort, p.Transport, p.TCPFlags, p.Seq, p.Ack, p.IPPayloadLen, p.Truncated, p.VLAN, p.Payload)
}

// fileViews decodes a capture file with the file source.
func fileViews(t *testing.T, path string, keep func(*capture.Packet) bool) []string {
	t.Helper()
	f, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	var p capture.Packet
	for {
		err := f.Next(&p)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if keep == nil || keep(&p) {
			out = append(out, view(&p))
		}
	}
}

// drain reads until the source has delivered want packets and then been
// idle once, or been idle three times in a row.
func drain(t *testing.T, src capture.Source, want int) []string {
	t.Helper()
	var out []string
	var p capture.Packet
	idle := 0
	for idle < 3 {
		err := src.Next(&p)
		switch {
		case err == nil:
			idle = 0
			out = append(out, view(&p))
		case errors.Is(err, capture.ErrIdle):
			idle++
			if len(out) >= want {
				return out
			}
		default:
			t.Fatal(err)
		}
	}
	return out
}

func captures(t *testing.T) []string {
	files, _ := filepath.Glob("../testdata/*.pcap")
	if len(files) < 40 {
		t.Fatalf("only %d captures in ../testdata", len(files))
	}
	return files
}

// equivalence replays every testdata capture into the veth and expects the
// live source to return the file source's packets, in order.
func equivalence(t *testing.T, engine string) {
	p := netnstest.New(t, "live")
	src := open(t, p, capture.LiveConfig{Engine: engine})
	total := 0
	for _, file := range captures(t) {
		want := fileViews(t, file, nil)
		p.Replay(t, file, netnstest.TopSpeed)
		got := drain(t, src, len(want))
		if len(got) != len(want) {
			t.Errorf("%s: live %d packets, file %d", filepath.Base(file), len(got), len(want))
		}
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Errorf("%s: packet %d:\n live %.200s\n file %.200s", filepath.Base(file), i+1, got[i], want[i])
				break
			}
		}
		total += len(got)
	}
	st := src.Stats()
	t.Logf("%s: %d packets over %d captures; stats %+v", engine, total, len(captures(t)), st)
	if st.Decoded != uint64(total) || st.KernelDrops != 0 {
		t.Errorf("stats: decoded %d (want %d), kernel drops %d", st.Decoded, total, st.KernelDrops)
	}
}

func TestLiveEquivalenceAFPacket(t *testing.T) { equivalence(t, capture.EngineAFPacket) }

func TestLiveKernelStatsAccumulate(t *testing.T) {
	p := netnstest.New(t, "live")
	src := open(t, p, capture.LiveConfig{})
	file := "../testdata/jt400-remapped.pcap" // 168 frames
	var last capture.Stats
	for round := 1; round <= 3; round++ {
		p.Replay(t, file, netnstest.TopSpeed)
		drain(t, src, 168)
		st := src.Stats()
		if st.KernelPackets < last.KernelPackets+168 || st.Packets != uint64(168*round) {
			t.Fatalf("round %d: kernel packets %d after %d (want +168), packets %d", round, st.KernelPackets, last.KernelPackets, st.Packets)
		}
		// Reading again with no traffic must not lose what was read.
		if again := src.Stats(); again.KernelPackets != st.KernelPackets {
			t.Fatalf("round %d: kernel packets went from %d to %d on a second read", round, st.KernelPackets, again.KernelPackets)
		}
		last = st
	}
	if is := src.Interfaces(); len(is) != 1 || is[0].Name != p.IfB || !is[0].Up || is[0].Stats.KernelPackets != last.KernelPackets {
		t.Errorf("per-interface stats %+v", is)
	}
}

func TestLiveIdleAndClose(t *testing.T) {
	p := netnstest.New(t, "live")
	src := open(t, p, capture.LiveConfig{ReadTimeout: 150 * time.Millisecond})
	var pk capture.Packet
	start := time.Now()
	if err := src.Next(&pk); !errors.Is(err, capture.ErrIdle) {
		t.Fatalf("idle Next: %v", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 400*time.Millisecond {
		t.Errorf("idle Next returned after %v, want about 150ms", d)
	}
	slow := open(t, p, capture.LiveConfig{ReadTimeout: time.Hour})
	done := make(chan error)
	go func() { done <- slow.Next(&pk) }()
	time.Sleep(100 * time.Millisecond)
	closed := time.Now()
	slow.Close()
	select {
	case err := <-done:
		if d := time.Since(closed); !errors.Is(err, capture.ErrClosed) || d > 100*time.Millisecond {
			t.Errorf("blocked Next returned %v %v after Close", err, d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock Next")
	}
	if err := slow.Next(&pk); !errors.Is(err, capture.ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
	// A context that ends closes the source.
	ctx, cancel := context.WithCancel(context.Background())
	var viaCtx capture.Live
	var err error
	p.Do(t, p.B, func() {
		viaCtx, err = capture.OpenLive(ctx, capture.LiveConfig{Interfaces: []string{p.IfB}, ReadTimeout: time.Hour, RingMiB: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() { done <- viaCtx.Next(&pk) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, capture.ErrClosed) {
			t.Errorf("Next after cancel: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("cancel did not unblock Next")
	}
}

func TestLiveFilter(t *testing.T) {
	p := netnstest.New(t, "live")
	file := "../testdata/jt400-remapped.pcap"
	src := open(t, p, capture.LiveConfig{Filter: "tcp port 449 or port 8470"})
	want := fileViews(t, file, func(p *capture.Packet) bool {
		return p.SrcPort == 449 || p.DstPort == 449 || p.SrcPort == 8470 || p.DstPort == 8470
	})
	p.Replay(t, file, netnstest.TopSpeed)
	got := drain(t, src, len(want))
	if len(want) == 0 || len(got) != len(want) || len(got) > 0 && got[0] != want[0] {
		t.Errorf("filtered live capture %d packets, want %d", len(got), len(want))
	}
	// The same filter as a tcpdump -ddd file.
	prog, err := filter.CompileRaw("tcp port 449 or port 8470", filter.Socket)
	if err != nil {
		t.Fatal(err)
	}
	bpfFile := filepath.Join(t.TempDir(), "f.bpf")
	if err := os.WriteFile(bpfFile, []byte(filter.FormatDump(prog)), 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile := open(t, p, capture.LiveConfig{BPFFile: bpfFile})
	p.Replay(t, file, netnstest.TopSpeed)
	if got := drain(t, fromFile, len(want)); !equalViews(got, want) {
		t.Errorf("with the BPF file: %d packets, want %d", len(got), len(want))
	}
	snap := open(t, p, capture.LiveConfig{SnapLen: 80, Filter: "tcp"})
	p.Replay(t, file, netnstest.TopSpeed)
	var pk capture.Packet
	if err := snap.Next(&pk); err != nil {
		t.Fatal(err)
	}
	for {
		if pk.CaptureLen > 80 {
			t.Fatalf("snap length 80 but %d bytes captured", pk.CaptureLen)
		}
		if err := snap.Next(&pk); err != nil {
			break
		}
	}
}

func TestLiveStartupErrors(t *testing.T) {
	ctx := context.Background()
	_, err := capture.OpenLive(ctx, capture.LiveConfig{Interfaces: []string{"nosuch0"}})
	if err == nil || err.Error() != `capture: interface "nosuch0" does not exist` {
		t.Errorf("missing interface: %v", err)
	}
	_, err = capture.OpenLive(ctx, capture.LiveConfig{Interfaces: []string{"lo"}, Filter: "tcp port"})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("filter: syntax error at the end of the expression")) {
		t.Errorf("bad filter: %v", err)
	}
	_, err = capture.OpenLive(ctx, capture.LiveConfig{Interfaces: []string{"lo"}, BPFFile: "/nonexistent.bpf"})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("/nonexistent.bpf")) {
		t.Errorf("bad bpf file: %v", err)
	}
	_, err = capture.OpenLive(ctx, capture.LiveConfig{Interfaces: []string{"lo"}, Engine: "dag"})
	if err == nil || err.Error() != `capture: unknown engine "dag" (afpacket or pcap)` {
		t.Errorf("bad engine: %v", err)
	}
}
