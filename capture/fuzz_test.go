package capture

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"github.com/ibmitap/ibmitap/capture/synth"
)

func le16(v uint16) []byte { return []byte{byte(v), byte(v >> 8)} }

var fuzzLinks = []LinkType{LinkNull, LinkEthernet, LinkRawDLT12, LinkRawDLT14, LinkRaw, LinkLoop,
	LinkLinuxSLL, LinkIPv4, LinkIPv6, LinkLinuxSLL2, LinkPPP, LinkPPPHDLC, LinkPPPoE, LinkCHDLC,
	LinkIEEE80211, LinkRadiotap, LinkPPI, LinkNFLOG, LinkATMRFC1483, LinkPPPWithDir, LinkCHDLCWithDir}

func FuzzDecode(f *testing.F) {
	for _, l := range fuzzLinks {
		f.Add(uint16(l), realEthTCP4)
	}
	f.Add(uint16(LinkEthernet), realEthTCP6)
	f.Add(uint16(LinkEthernet), realEthUDP4)
	f.Add(uint16(LinkRaw), withV6Ext(withV6Ext(ip4(realEthTCP6), 44, fragExt(0, true, 1)), 0, optExt(1)))
	f.Add(uint16(LinkRaw), withIPv4Options(ip4(realEthTCP4), 2))
	// Every link layer and tunnel, around IPv4 and IPv6.
	for _, e := range synth.Encaps {
		for _, fr := range [][]byte{realEthTCP4, realEthTCP6} {
			w, err := e.Wrap(fr[14:], 1)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(e.Link(), w)
		}
	}
	f.Add(uint16(LinkNFLOG), cat([]byte{2, 0, 0, 0, 8, 0, 1, 0, 0x08, 0, 3, 0}, le16(uint16(4+len(ip4(realEthTCP4)))), []byte{9, 0}, ip4(realEthTCP4)))
	f.Fuzz(func(t *testing.T, link uint16, data []byte) {
		var p Packet
		reason, ok := Decode(LinkType(link), data, &p)
		if reason >= NumSkipReasons {
			t.Fatalf("reason %d out of range", reason)
		}
		if !ok {
			if reason == SkipNone || reason == FirstFragment {
				t.Fatalf("skip with reason %v", reason)
			}
			return
		}
		if reason != SkipNone && reason != FirstFragment {
			t.Fatalf("decoded with reason %v", reason)
		}
		if p.Transport != TCP && p.Transport != UDP {
			t.Fatalf("transport %d", p.Transport)
		}
		if !p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Is4() != p.Dst.Is4() {
			t.Fatalf("addresses %v %v", p.Src, p.Dst)
		}
		if p.VLAN > 0x0FFF {
			t.Fatalf("VLAN %d", p.VLAN)
		}
		if len(p.Payload) > p.IPPayloadLen {
			t.Fatalf("payload %d longer than IP payload %d", len(p.Payload), p.IPPayloadLen)
		}
		if len(p.Payload) > 0 {
			// Payload must alias data, inside it.
			start := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
			ps := uintptr(unsafe.Pointer(unsafe.SliceData(p.Payload)))
			if ps < start || ps+uintptr(len(p.Payload)) > start+uintptr(len(data)) {
				t.Fatal("payload does not alias the input")
			}
		}
	})
}

func FuzzOpen(f *testing.F) {
	for _, name := range []string{"lo-eth.pcap", "lo-eth.pcapng", "any-sll2-nsec.pcap", "lo-snap80.pcap", "lo-eth.pcap.gz", "lo-eth.pcap.zst", "lo-eth.pcap.xz", "mixed-res.pcapng"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)*2/3])
	}
	for _, name := range []string{"tunnel/vxlan-jt400-outer.pcap", "tunnel/nflog-tls-outer.pcap", "link/jt400-plain-signon-radiotap.pcap"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 2048)])
	}
	f.Add([]byte{})
	f.Add([]byte("not a capture file"))
	// One file per worker process, rewritten for every input: a fresh
	// directory per input makes each run (and so minimization) slow.
	path := filepath.Join(f.TempDir(), "f")
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang crashes the worker, so the fuzzer records the input.
		watchdog := time.AfterFunc(10*time.Second, func() { panic("FuzzOpen: input read for more than 10s") })
		defer watchdog.Stop()
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		file, err := OpenFile(path)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("open error %T %v", err, err)
			}
			return
		}
		defer file.Close()
		var p Packet
		// Every record consumes at least 12 bytes of the stream; gzip can
		// expand, so bound the loop generously instead.
		for i := 0; i < 1<<20; i++ {
			err := file.Next(&p)
			if err == io.EOF {
				break
			}
			if err != nil {
				var ce *Error
				if !errors.As(err, &ce) || ce.Packet == 0 {
					t.Fatalf("next error %T %v", err, err)
				}
				break
			}
		}
		st := file.Stats()
		if st.Decoded+st.SkippedTotal() != st.Packets {
			t.Fatalf("stats do not add up: %+v", st)
		}
	})
}
