package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ibmitap/ibmitap/capture"
)

func TestRunDeterministic(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	for _, p := range []string{a, b} {
		if err := run(p, 5000, 1, busyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Fatal("same seed, different files")
	}
	f, err := capture.OpenFile(a)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ports := map[uint16]bool{}
	v6 := 0
	var p capture.Packet
	for {
		err := f.Next(&p)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ports[min(p.SrcPort, p.DstPort)] = true
		if p.Src.Is6() {
			v6++
		}
	}
	st := f.Stats()
	if st.Packets != 5000 || st.Decoded != 5000 {
		t.Errorf("stats %+v", st)
	}
	for _, port := range []uint16{21, 23, 53, 80, 137, 449, 992, 8471, 8475, 8476, 9471, 9476} {
		if !ports[port] {
			t.Errorf("no flow on port %d", port)
		}
	}
	if v6 == 0 {
		t.Error("no IPv6")
	}
}

// TestBusyShape checks the busy-port shape: the exact packet count, many
// connections open at once, about the asked IPv6 share, and reproducible.
func TestBusyShape(t *testing.T) {
	dir := t.TempDir()
	o := busyOptions{flows: 500, burst: 1, ipv6: 0.2, vlan: 0.1, unknown: 0.7}
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	for _, p := range []string{a, b} {
		if err := run(p, 20000, 7, o); err != nil {
			t.Fatal(err)
		}
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Fatal("same seed, different files")
	}
	f, err := capture.OpenFile(a)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type pair struct{ a, b uint16 }
	seen := map[pair]bool{}
	v6, syn, n := 0, 0, 0
	var p capture.Packet
	for {
		err := f.Next(&p)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if p.Src.Is6() {
			v6++
		}
		if p.TCPFlags&capture.FlagSYN != 0 && p.TCPFlags&capture.FlagACK == 0 {
			syn++
		}
		// In the first 2000 packets, 500 interleaved connections start.
		if n <= 2000 {
			seen[pair{p.SrcPort, p.DstPort}] = true
		}
	}
	if n != 20000 {
		t.Errorf("%d packets, want 20000", n)
	}
	if len(seen) < 500 {
		t.Errorf("%d port pairs in the first 2000 packets: not interleaved", len(seen))
	}
	if v6 < 20000/10 || v6 > 20000*3/10 {
		t.Errorf("%d IPv6 packets of 20000, want about 20 %%", v6)
	}
	if syn < 500 {
		t.Errorf("%d SYNs", syn)
	}
	if err := run(filepath.Join(dir, "flood.pcap"), 3000, 1, busyOptions{synOnly: true}); err != nil {
		t.Fatal(err)
	}
}
