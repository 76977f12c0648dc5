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
		if err := run(p, 5000, 1); err != nil {
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
