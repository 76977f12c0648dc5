package classify

import (
	"bufio"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
)

// TestFloodMemory measures what an open flow costs in RSS at the table's
// limit: IBMITAP_FLOOD_FLOWS SYNs (say 2000000) from distinct sources into
// a table of that size, then the process's resident memory divided by the
// flows. Skipped unless the variable is set (it takes a few hundred MiB).
//
//	IBMITAP_FLOOD_FLOWS=2000000 go test ./classify -run FloodMemory -v
func TestFloodMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("IBMITAP_FLOOD_FLOWS"))
	if n <= 0 {
		t.Skip("set IBMITAP_FLOOD_FLOWS to measure")
	}
	runtime.GC()
	before := rss(t)
	e, _ := New(Config{Emit: func(*Flow) {}, MaxFlows: n})
	p := capture.Packet{Transport: capture.TCP, TCPFlags: capture.FlagSYN, DstPort: 8476, IPPayloadLen: 40,
		Dst: netip.MustParseAddr("10.1.1.10"), Timestamp: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for i := range n {
		p.Src = netip.AddrFrom4([4]byte{172, 16 + byte(i>>24&0x0F), byte(i >> 16), byte(i >> 8)})
		p.SrcPort = 1024 + uint16(i&0xFF)
		p.Seq = uint32(i)
		p.Timestamp = p.Timestamp.Add(time.Microsecond)
		e.Packet(&p)
	}
	if s := e.Stats(); s.Active != uint64(n) || s.Evicted != 0 {
		t.Fatalf("%d flows open, %d evicted; want %d, 0", s.Active, s.Evicted, n)
	}
	at := rss(t)
	runtime.GC()
	gc := rss(t)
	t.Logf("%d open flows: RSS %d MiB (%d bytes per flow); after a GC %d MiB (%d bytes per flow); Go heap %d MiB",
		n, (at-before)>>20, (at-before)/uint64(n), (gc-before)>>20, (gc-before)/uint64(n), heapInUse()>>20)
	if per := (at - before) / uint64(n); per > 1024 {
		t.Errorf("%d bytes of RSS per open flow, want at most 1024", per)
	}
	runtime.KeepAlive(e)
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// rss reads the process's resident set size from /proc.
func rss(t *testing.T) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmRSS")
	return 0
}
