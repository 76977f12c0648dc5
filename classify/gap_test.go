package classify

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/capture/synth"
)

// gapRun feeds packets to an engine and returns its records and stats.
func gapRun(t *testing.T, pkts []capture.Packet) ([]*Flow, Stats) {
	t.Helper()
	var out []*Flow
	e, err := New(Config{Emit: func(f *Flow) { out = append(out, f) }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range pkts {
		e.Packet(&pkts[i])
	}
	e.Flush()
	return out, e.Stats()
}

// synthConn writes one connection whose client sends 10 segments of 1000
// bytes, the server acknowledging each, leaving out the segments drop
// names (0-based), and returns the decoded packets.
func synthConn(t *testing.T, drop map[int]bool, snaplen int) []capture.Packet {
	t.Helper()
	var buf bytes.Buffer
	w, err := synth.NewWriter(&buf, synth.Options{Snaplen: snaplen})
	if err != nil {
		t.Fatal(err)
	}
	c := w.TCP(netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:8471"))
	c.Handshake()
	for i := range 10 {
		segs := c.Segments(synth.Client, bytes.Repeat([]byte{0x40}, 1000), 0)
		if !drop[i] {
			c.Emit(segs...)
		}
		if i%2 == 1 || i == 9 {
			c.Ack(synth.Server) // delayed ACKs: every second segment
		}
	}
	c.Send(synth.Server, []byte("reply"))
	c.Ack(synth.Client)
	c.Close()
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	src, err := capture.NewReader("synth", &buf)
	if err != nil {
		t.Fatal(err)
	}
	var pkts []capture.Packet
	for {
		var p capture.Packet
		if src.Next(&p) != nil {
			break
		}
		p.Payload = append([]byte(nil), p.Payload...)
		pkts = append(pkts, p)
	}
	return pkts
}

func TestGapBytesMissingSegments(t *testing.T) {
	for _, tc := range []struct {
		name    string
		drop    map[int]bool
		snaplen int
		want    uint64
	}{
		{"intact", nil, 0, 0},
		{"one", map[int]bool{3: true}, 0, 1000},
		{"two apart", map[int]bool{2: true, 7: true}, 0, 2000},
		{"two adjacent", map[int]bool{4: true, 5: true}, 0, 2000},
		{"last", map[int]bool{9: true}, 0, 1000},
		{"snap length cut", map[int]bool{1: true}, 96, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, st := gapRun(t, synthConn(t, tc.drop, tc.snaplen))
			if len(recs) != 1 {
				t.Fatalf("%d records, want 1", len(recs))
			}
			r := recs[0]
			if r.GapBytesC2S != tc.want || r.GapBytesS2C != 0 {
				t.Errorf("gap c2s=%d s2c=%d, want %d and 0", r.GapBytesC2S, r.GapBytesS2C, tc.want)
			}
			if st.GapBytes != tc.want {
				t.Errorf("engine gap %d, want %d", st.GapBytes, tc.want)
			}
			if st.AckedBytes < 10000 {
				t.Errorf("acked %d, want at least 10000", st.AckedBytes)
			}
		})
	}
}

func TestGapBytesEdgeCases(t *testing.T) {
	seg := func(c *conv, fromClient bool, data string) *conv {
		c.pkt(fromClient, capture.FlagACK|capture.FlagPSH, data)
		c.pkts[len(c.pkts)-1].DataLen = len(data)
		return c
	}
	t.Run("wraparound", func(t *testing.T) {
		c := newConv("10.0.0.1:40000", "10.0.0.2:21")
		c.cseq = 0xFFFFFF00
		c.open()
		seg(c, true, string(make([]byte, 200)))
		c.pkts = c.pkts[:len(c.pkts)-1] // lost: crosses 2^32
		seg(c, false, "ok")
		seg(c, true, string(make([]byte, 100)))
		seg(c, false, "ok")
		c.close()
		recs, _ := gapRun(t, c.pkts)
		if recs[0].GapBytesC2S != 200 {
			t.Errorf("gap %d, want 200", recs[0].GapBytesC2S)
		}
	})
	t.Run("retransmission and mid-stream", func(t *testing.T) {
		c := newConv("10.0.0.1:40000", "10.0.0.2:21")
		seg(c, true, "USER x\r\n")
		c.pkts = append(c.pkts, c.pkts[len(c.pkts)-1]) // retransmitted
		seg(c, false, "331 ok\r\n")
		seg(c, true, "QUIT\r\n")
		seg(c, false, "221 bye\r\n")
		recs, _ := gapRun(t, c.pkts)
		if recs[0].GapBytesC2S != 0 || recs[0].GapBytesS2C != 0 {
			t.Errorf("gap %d/%d, want 0", recs[0].GapBytesC2S, recs[0].GapBytesS2C)
		}
	})
	t.Run("acknowledged before seen", func(t *testing.T) {
		c := newConv("10.0.0.1:40000", "10.0.0.2:21")
		c.open()
		seg(c, true, "hello")
		seg(c, false, "world")
		// Swap: the server's ACK of "hello" reaches the sensor first.
		n := len(c.pkts)
		c.pkts[n-2], c.pkts[n-1] = c.pkts[n-1], c.pkts[n-2]
		c.close()
		recs, st := gapRun(t, c.pkts)
		if recs[0].GapBytesC2S != 0 || st.GapBytes != 0 {
			t.Errorf("gap %d (engine %d), want 0", recs[0].GapBytesC2S, st.GapBytes)
		}
	})
	t.Run("one direction only", func(t *testing.T) {
		c := newConv("10.0.0.1:40000", "10.0.0.2:21")
		c.open()
		seg(c, false, "220 hello\r\n")
		seg(c, false, "331 ok\r\n")
		seg(c, false, "230 in\r\n")
		var only []capture.Packet
		for _, p := range c.pkts {
			if p.SrcPort == 40000 && p.TCPFlags&capture.FlagSYN == 0 {
				only = append(only, p) // client ACKs of bytes never seen
			}
		}
		recs, st := gapRun(t, only)
		if recs[0].GapBytesS2C != 0 || st.AckedBytes != 0 {
			t.Errorf("gap %d, acked %d; want no estimate", recs[0].GapBytesS2C, st.AckedBytes)
		}
	})
}
