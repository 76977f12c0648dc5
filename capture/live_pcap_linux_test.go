//go:build pcap && linux

package capture_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/internal/netnstest"
)

func TestLiveEquivalencePcap(t *testing.T) { equivalence(t, capture.EnginePcap) }

func TestLivePcapLinkDown(t *testing.T) { linkDown(t, capture.EnginePcap) }

func TestLivePcapInterfaceReplaced(t *testing.T) { linkLost(t, capture.EnginePcap, true) }

func TestLivePcapIdleCloseErrors(t *testing.T) {
	p := netnstest.New(t, "live")
	src := open(t, p, capture.LiveConfig{Engine: capture.EnginePcap, ReadTimeout: 150 * time.Millisecond, Filter: "icmp or tcp"})
	var pk capture.Packet
	start := time.Now()
	if err := src.Next(&pk); !errors.Is(err, capture.ErrIdle) || time.Since(start) > 400*time.Millisecond {
		t.Fatalf("idle Next: %v after %v", err, time.Since(start))
	}
	p.Replay(t, "../testdata/http-basic.pcap", netnstest.TopSpeed)
	if got := drain(t, src, 12); len(got) != 12 {
		t.Errorf("%d packets, want 12", len(got))
	}
	if st := src.Stats(); st.KernelPackets < 12 {
		t.Errorf("libpcap ps_recv %d", st.KernelPackets)
	}
	done := make(chan error)
	go func() { done <- src.Next(&pk) }()
	time.Sleep(50 * time.Millisecond)
	closed := time.Now()
	src.Close()
	if err := <-done; !errors.Is(err, capture.ErrClosed) || time.Since(closed) > 100*time.Millisecond {
		t.Errorf("Next after Close: %v after %v", err, time.Since(closed))
	}
	ctx := context.Background()
	_, err := capture.OpenLive(ctx, capture.LiveConfig{Engine: capture.EnginePcap, Interfaces: []string{"nosuch0"}})
	if err == nil || err.Error() != `capture: interface "nosuch0" does not exist` {
		t.Errorf("missing interface: %v", err)
	}
	_, err = capture.OpenLive(ctx, capture.LiveConfig{Engine: capture.EnginePcap, Interfaces: []string{"lo"}, Filter: "tcp port"})
	if err == nil || err.Error()[:30] != "capture: filter 'tcp port' doe" {
		t.Errorf("bad filter: %v", err)
	}
	// The afpacket engine takes what the pure-Go subset refuses from
	// libpcap's compiler in this build.
	af, err := capture.OpenLive(ctx, capture.LiveConfig{Interfaces: []string{"lo"}, Filter: "icmp or tcp[13] & 2 != 0"})
	if err != nil {
		t.Fatalf("afpacket with a libpcap-only filter: %v", err)
	}
	af.Close()
}
