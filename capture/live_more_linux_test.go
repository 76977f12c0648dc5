//go:build linux

package capture_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/internal/netnstest"
	"golang.org/x/sys/unix"
)

// TestLiveSeveralInterfaces: one source over two interfaces delivers both
// streams in order, takes turns between them, counts each, and its Stats
// may be read while Next runs.
func TestLiveSeveralInterfaces(t *testing.T) {
	p := netnstest.New(t, "live")
	ifA2, ifB2 := p.AddLink(t)
	file1, n1 := manyPairs(t, 20, 5)
	file2, n2 := manyPairs(t, 20, 5, 7) // tagged: tells the streams apart
	var (
		src capture.Live
		err error
	)
	p.Do(t, p.B, func() {
		src, err = capture.OpenLive(context.Background(), capture.LiveConfig{
			Interfaces: []string{p.IfB, ifB2}, RingMiB: 8, ReadTimeout: 100 * time.Millisecond,
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p.Replay(t, file1, netnstest.TopSpeed)
	if err := p.ReplayOn(ifA2, file2, netnstest.TopSpeed); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond) // let the last blocks retire

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a metrics scraper
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				src.Stats()
				src.Interfaces()
			}
		}
	}()
	got := drain(t, src, n1+n2)
	close(stop)
	wg.Wait()

	var one, two []string
	switches := 0
	for i, v := range got {
		tagged := strings.Contains(v, " vlan7 ")
		if tagged {
			two = append(two, v)
		} else {
			one = append(one, v)
		}
		if i > 0 && tagged != strings.Contains(got[i-1], " vlan7 ") {
			switches++
		}
	}
	if !equalViews(one, fileViews(t, file1, nil)) || !equalViews(two, fileViews(t, file2, nil)) {
		t.Errorf("streams differ from their files: %d and %d packets, want %d and %d", len(one), len(two), n1, n2)
	}
	// Both rings were full when reading began: turns of at most 64.
	if switches < (n1+n2)/64-2 {
		t.Errorf("only %d switches between the interfaces over %d packets", switches, len(got))
	}
	is := src.Interfaces()
	if len(is) != 2 || is[0].Name != p.IfB || is[1].Name != ifB2 ||
		is[0].Stats.Decoded != uint64(n1) || is[1].Stats.Decoded != uint64(n2) ||
		is[0].Stats.KernelPackets != uint64(n1) || is[1].Stats.KernelPackets != uint64(n2) {
		t.Errorf("per-interface stats: %+v", is)
	}
	if st := src.Stats(); st.Decoded != uint64(n1+n2) {
		t.Errorf("summed decoded %d, want %d", st.Decoded, n1+n2)
	}
	t.Logf("%d packets, %d switches between interfaces", len(got), switches)
}

func equalViews(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLiveKernelDrops: a ring too small for a burst nobody reads drops,
// and the kernel's counts say exactly how much.
func TestLiveKernelDrops(t *testing.T) {
	p := netnstest.New(t, "live")
	file, n := manyPairs(t, 300, 5)
	src := open(t, p, capture.LiveConfig{RingMiB: 1})
	p.Replay(t, file, netnstest.TopSpeed)
	got := drain(t, src, 0)
	st := src.Stats()
	t.Logf("sent %d, read %d, kernel packets %d, drops %d, freezes %d", n, len(got), st.KernelPackets, st.KernelDrops, st.KernelFreezes)
	if st.KernelDrops == 0 || st.KernelPackets != uint64(n) || uint64(len(got))+st.KernelDrops != uint64(n) {
		t.Errorf("sent %d: read %d + kernel drops %d, kernel packets %d", n, len(got), st.KernelDrops, st.KernelPackets)
	}
}

func TestLivePromiscuous(t *testing.T) {
	p := netnstest.New(t, "live")
	flags := func() string {
		// Promiscuity taken by a packet socket shows as a count in
		// the details, not as the PROMISC flag (that is the admin's).
		out, _ := p.Exec(p.B, "ip", "-d", "link", "show", p.IfB)
		return string(out)
	}
	src := open(t, p, capture.LiveConfig{Promiscuous: true})
	if !strings.Contains(flags(), "promiscuity 1 ") {
		t.Errorf("promiscuous mode not set: %s", flags())
	}
	src.Close()
	if !strings.Contains(flags(), "promiscuity 0 ") {
		t.Errorf("promiscuous mode left on after Close: %s", flags())
	}
}

// TestLiveNoPrivilege drops CAP_NET_RAW from this thread only and expects
// the one-line error that names it.
func TestLiveNoPrivilege(t *testing.T) {
	netnstest.Require(t)
	runtime.LockOSThread()
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var caps, saved [2]unix.CapUserData
	if err := unix.Capget(&hdr, &caps[0]); err != nil {
		t.Fatal(err)
	}
	saved = caps
	caps[unix.CAP_NET_RAW/32].Effective &^= 1 << (unix.CAP_NET_RAW % 32)
	if err := unix.Capset(&hdr, &caps[0]); err != nil {
		t.Fatal(err)
	}
	_, err := capture.OpenLive(context.Background(), capture.LiveConfig{Interfaces: []string{"lo"}})
	if err := unix.Capset(&hdr, &saved[0]); err != nil {
		t.Fatalf("restoring capabilities: %v (thread stays locked and is retired)", err)
	}
	runtime.UnlockOSThread()
	if err == nil || !strings.HasPrefix(err.Error(), "capture: lo: opening an AF_PACKET socket needs CAP_NET_RAW") {
		t.Errorf("without CAP_NET_RAW: %v", err)
	}
}
