package classify

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
)

// TestChurnMemoryFlat: a million short flows through a streaming engine
// (findings, interim records, a clock that keeps moving, a quarter of the
// flows left open to be expired or evicted) leave the heap where it was
// after the first quarter million: every table is bounded.
func TestChurnMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("churn of 1M flows")
	}
	records := 0
	e, err := New(Config{
		MaxFlows: 1 << 16, Interim: time.Minute,
		Emit: func(*Flow) { records++ }, Finding: func(*FindingEvent) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var p capture.Packet
	send := func(ts time.Time, src, dst netip.AddrPort, flags uint8, seq, ack uint32, data []byte) {
		p = capture.Packet{Timestamp: ts, Transport: capture.TCP, TCPFlags: flags, Seq: seq, Ack: ack,
			Src: src.Addr(), SrcPort: src.Port(), Dst: dst.Addr(), DstPort: dst.Port(),
			Payload: data, DataLen: len(data), IPPayloadLen: 20 + len(data)}
		e.Packet(&p)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	const n = 1_000_000
	hello := []byte("USER churn\r\n")
	var mid uint64
	for i := range n {
		ts := t0.Add(time.Duration(i) * 500 * time.Microsecond)
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(1024+i%60000))
		srv := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 200, 0, byte(i % 7)}), 21)
		send(ts, cli, srv, capture.FlagSYN, 1000, 0, nil)
		send(ts, srv, cli, capture.FlagSYN|capture.FlagACK, 5000, 1001, nil)
		send(ts, cli, srv, capture.FlagACK|capture.FlagPSH, 1001, 5001, hello)
		if i%4 != 0 {
			send(ts, cli, srv, capture.FlagRST|capture.FlagACK, 1001+uint32(len(hello)), 5001, nil)
		}
		if i%1000 == 0 {
			e.Advance(ts)
		}
		if i == n/4 {
			mid = heap()
		}
	}
	end := heap()
	st := e.Stats()
	t.Logf("heap after %d flows %.1f MB, after %d %.1f MB; records %d, evicted %d, idle %d, interim %d, active %d",
		n/4, float64(mid)/1e6, n, float64(end)/1e6, records, st.Evicted, st.IdleExpired, st.Interim, st.Active)
	if end > mid+mid/2+16<<20 {
		t.Errorf("heap grew from %.1f MB to %.1f MB under churn", float64(mid)/1e6, float64(end)/1e6)
	}
	if st.Active > 1<<16 {
		t.Errorf("%d flows active, table bound 65536", st.Active)
	}
}
