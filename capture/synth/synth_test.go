package synth_test

import (
	"bytes"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/capture/synth"
)

func read(t *testing.T, b []byte) ([]capture.Packet, capture.Stats) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.pcap")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []capture.Packet
	for {
		var p capture.Packet
		err := f.Next(&p)
		if err == io.EOF {
			return out, f.Stats()
		}
		if err != nil {
			t.Fatal(err)
		}
		p.Payload = bytes.Clone(p.Payload)
		out = append(out, p)
	}
}

func TestConn(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opt    synth.Options
		client string
		server string
	}{
		{"ethernet v4", synth.Options{}, "10.1.2.3:50123", "10.9.8.7:9471"},
		{"qinq v6", synth.Options{VLANs: []uint16{100, 200}}, "[2001:db8::1]:50123", "[2001:db8::2]:8476"},
		{"raw nanos", synth.Options{Link: layers.LinkTypeRaw, Nanos: true, Step: time.Microsecond}, "192.168.0.1:1025", "192.168.0.2:23"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := synth.NewWriter(&buf, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			cl, sv := netip.MustParseAddrPort(tc.client), netip.MustParseAddrPort(tc.server)
			c := w.TCP(cl, sv)
			c.Handshake()
			c.Send(synth.Client, []byte("hello"))
			segs := c.Segments(synth.Server, []byte("0123456789"), 4) // 3 segments
			c.Emit(segs[1], segs[0], segs[2], segs[2])                // reordered, then a retransmission
			c.Ack(synth.Client)
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.UDP(cl, sv, []byte("dgram")); err != nil {
				t.Fatal(err)
			}
			pk, st := read(t, buf.Bytes())
			if st.Packets != 13 || st.Decoded != 13 || w.Packets() != 13 {
				t.Fatalf("stats %+v, writer %d", st, w.Packets())
			}
			ci, si := c.ISN(synth.Client), c.ISN(synth.Server)
			want := []struct {
				fromClient bool
				flags      uint8
				seq, ack   uint32
				payload    string
			}{
				{true, synth.SYN, ci, 0, ""},
				{false, synth.SYN | synth.ACK, si, ci + 1, ""},
				{true, synth.ACK, ci + 1, si + 1, ""},
				{true, synth.PSH | synth.ACK, ci + 1, si + 1, "hello"},
				{false, synth.ACK, si + 5, ci + 6, "4567"},
				{false, synth.ACK, si + 1, ci + 6, "0123"},
				{false, synth.PSH | synth.ACK, si + 9, ci + 6, "89"},
				{false, synth.PSH | synth.ACK, si + 9, ci + 6, "89"},
				{true, synth.ACK, ci + 6, si + 11, ""},
				{true, synth.FIN | synth.ACK, ci + 6, si + 11, ""},
				{false, synth.FIN | synth.ACK, si + 11, ci + 7, ""},
				{true, synth.ACK, ci + 7, si + 12, ""},
			}
			for i, wnt := range want {
				p := pk[i]
				src, dst := cl, sv
				if !wnt.fromClient {
					src, dst = sv, cl
				}
				if p.Src != src.Addr() || p.SrcPort != src.Port() || p.Dst != dst.Addr() || p.DstPort != dst.Port() || p.Transport != capture.TCP {
					t.Errorf("packet %d: %v:%d > %v:%d", i+1, p.Src, p.SrcPort, p.Dst, p.DstPort)
				}
				if p.TCPFlags != wnt.flags || p.Seq != wnt.seq || p.Ack != wnt.ack || string(p.Payload) != wnt.payload {
					t.Errorf("packet %d: flags %#x seq %d ack %d %q, want %#x %d %d %q", i+1, p.TCPFlags, p.Seq, p.Ack, p.Payload, wnt.flags, wnt.seq, wnt.ack, wnt.payload)
				}
				if i > 0 && !p.Timestamp.After(pk[i-1].Timestamp) {
					t.Errorf("packet %d: timestamp %v not after %v", i+1, p.Timestamp, pk[i-1].Timestamp)
				}
			}
			if u := pk[12]; u.Transport != capture.UDP || string(u.Payload) != "dgram" || u.DstPort != sv.Port() {
				t.Errorf("udp: %+v", u)
			}
			if !pk[0].Timestamp.Equal(synth.DefaultStart) {
				t.Errorf("first timestamp %v", pk[0].Timestamp)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	gen := func() []byte {
		var buf bytes.Buffer
		w, _ := synth.NewWriter(&buf, synth.Options{})
		c := w.TCP(netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:449"))
		c.Handshake()
		c.Exchange(synth.Client, []byte("as-signon"))
		c.RST(synth.Server)
		return buf.Bytes()
	}
	if a, b := gen(), gen(); !bytes.Equal(a, b) {
		t.Error("two runs differ")
	}
}

func TestSnaplenAndWriteIP(t *testing.T) {
	var buf bytes.Buffer
	w, _ := synth.NewWriter(&buf, synth.Options{Snaplen: 60, VLANs: []uint16{7}})
	c := w.TCP(netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:80"))
	c.Send(synth.Client, bytes.Repeat([]byte("x"), 100))
	// A hand-made ICMP echo request: skipped by the reader.
	w.WriteIP([]byte{0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 8, 0, 0, 0, 0, 0, 0, 0})
	if w.Err() != nil {
		t.Fatal(w.Err())
	}
	pk, st := read(t, buf.Bytes())
	if len(pk) != 1 || st.Skipped[capture.SkipOtherTransport] != 1 {
		t.Fatalf("%d packets, stats %+v", len(pk), st)
	}
	// 14 Ethernet + 4 VLAN + 20 IP + 20 TCP = 58: 2 payload bytes captured.
	if p := pk[0]; !p.Truncated || len(p.Payload) != 2 || p.IPPayloadLen != 120 || p.WireLen != 158 || p.CaptureLen != 60 {
		t.Errorf("%+v", p)
	}
}
