// Command bareread is the baseline of scripts/compare.sh: the least any flow
// tool must do with a capture. It reads a pcap file with pcapgo, parses
// Ethernet, VLAN, IPv4/IPv6 and TCP/UDP headers by hand, counts packets and
// bytes per bidirectional flow in a map, and prints the number of flows.
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket/pcapgo"
)

// key is a flow in one orientation-free form: the lower endpoint first.
type key struct {
	a, b   [16]byte
	pa, pb uint16
	proto  uint8
}

type stat struct{ pkts, bytes uint64 }

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: bareread FILE.pcap")
		os.Exit(2)
	}
	n, flows, err := run(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bareread:", err)
		os.Exit(1)
	}
	fmt.Printf("packets=%d flows=%d\n", n, flows)
}

func run(name string) (int, int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", name, err)
	}
	flows := make(map[key]*stat)
	n := 0
	for {
		data, _, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			return n, len(flows), nil
		}
		if err != nil {
			return n, len(flows), fmt.Errorf("%s: packet %d: %w", name, n+1, err)
		}
		n++
		k, size, ok := parse(data)
		if !ok {
			continue
		}
		s := flows[k]
		if s == nil {
			s = new(stat)
			flows[k] = s
		}
		s.pkts++
		s.bytes += uint64(size)
	}
}

// parse reads the flow key of an Ethernet frame.
func parse(b []byte) (key, int, bool) {
	var k key
	if len(b) < 14 {
		return k, 0, false
	}
	et := binary.BigEndian.Uint16(b[12:])
	b = b[14:]
	for (et == 0x8100 || et == 0x88a8) && len(b) >= 4 {
		et = binary.BigEndian.Uint16(b[2:])
		b = b[4:]
	}
	var src, dst [16]byte
	var l4 []byte
	switch et {
	case 0x0800:
		if len(b) < 20 {
			return k, 0, false
		}
		ihl := int(b[0]&0x0F) * 4
		if ihl < 20 || len(b) < ihl {
			return k, 0, false
		}
		k.proto = b[9]
		src[10], src[11], dst[10], dst[11] = 0xFF, 0xFF, 0xFF, 0xFF
		copy(src[12:], b[12:16])
		copy(dst[12:], b[16:20])
		l4 = b[ihl:]
	case 0x86DD:
		if len(b) < 40 {
			return k, 0, false
		}
		k.proto = b[6]
		copy(src[:], b[8:24])
		copy(dst[:], b[24:40])
		l4 = b[40:]
	default:
		return k, 0, false
	}
	if (k.proto != 6 && k.proto != 17) || len(l4) < 4 {
		return k, 0, false
	}
	sp, dp := binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
	if string(src[:]) < string(dst[:]) || (src == dst && sp < dp) {
		k.a, k.b, k.pa, k.pb = src, dst, sp, dp
	} else {
		k.a, k.b, k.pa, k.pb = dst, src, dp, sp
	}
	return k, len(l4), true
}
