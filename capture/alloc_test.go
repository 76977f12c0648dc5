package capture

import (
	"bufio"
	"bytes"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/ibmitap/ibmitap/capture/synth"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// genCapture writes a synthetic capture of about n packets (TCP flows with
// data in both directions, some UDP, some IPv6) and returns its path.
func genCapture(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "gen.pcap")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w, err := synth.NewWriter(bw, synth.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 90)
	for i := 0; w.Packets() < n && w.Err() == nil; i++ {
		cl := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(40000+i%20000))
		sv := netip.MustParseAddrPort("10.1.0.1:8471")
		if i%5 == 0 {
			cl = netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(i >> 8), 15: byte(i)}), 50000)
			sv = netip.MustParseAddrPort("[2001:db8::1]:9471")
		}
		c := w.TCP(cl, sv)
		c.MSS = 1400
		c.Handshake()
		c.Exchange(Client, data[:200])
		c.Exchange(Server, data[:i%len(data)])
		c.Close()
		dns := netip.MustParseAddrPort("10.1.0.53:53")
		if cl.Addr().Is6() {
			dns = netip.MustParseAddrPort("[2001:db8::53]:53")
		}
		w.UDP(cl, dns, data[:40])
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	if w.Err() != nil {
		tb.Fatal(w.Err())
	}
	return path
}

// Client and Server are re-exported here only to keep genCapture short.
const (
	Client = synth.Client
	Server = synth.Server
)

func concatFile(tb testing.TB, src string, times int) string {
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), filepath.Base(src))
	if err := os.WriteFile(path, bytes.Repeat(b, times), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestFileNextAllocs(t *testing.T) {
	gzPath := filepath.Join(t.TempDir(), "gen.pcap.gz")
	plain := genCapture(t, 6000)
	if err := os.WriteFile(gzPath, gz(t, mustRead(t, plain)), 0o644); err != nil {
		t.Fatal(err)
	}
	var zb, xb bytes.Buffer
	zw, _ := zstd.NewWriter(&zb)
	zw.Write(mustRead(t, plain))
	zw.Close()
	xw, _ := xz.NewWriter(&xb)
	xw.Write(mustRead(t, plain))
	xw.Close()
	for _, path := range []string{
		plain,
		gzPath,
		writeTemp(t, "gen.pcap.zst", zb.Bytes()),
		writeTemp(t, "gen.pcap.xz", xb.Bytes()),
		concatFile(t, "testdata/mixed.pcapng", 200), // 200 sections, Ethernet and SLL2 interfaces
	} {
		f, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var p Packet
		for range 100 { // warm up: buffers, gzip window
			if err := f.Next(&p); err != nil {
				t.Fatal(err)
			}
		}
		n := testing.AllocsPerRun(5000, func() {
			if err := f.Next(&p); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: File.Next allocates %.2f times per packet", filepath.Base(path), n)
		}
		f.Close()
	}
}

func BenchmarkFileNext(b *testing.B) {
	path := genCapture(b, 100000)
	st, _ := os.Stat(path)
	b.ReportAllocs()
	b.ResetTimer()
	var p Packet
	var packets, size int64
	for b.Loop() {
		f, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		for {
			err := f.Next(&p)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			packets++
		}
		f.Close()
		size += st.Size()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/packet")
	b.SetBytes(st.Size())
}
