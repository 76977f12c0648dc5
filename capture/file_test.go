package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// rec is the comparable part of a Packet, with the payload copied.
type rec struct {
	Number           uint64
	Timestamp        time.Time
	CaptureLen       int
	WireLen          int
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Transport        uint8
	TCPFlags         uint8
	Seq, Ack         uint32
	IPPayloadLen     int
	Payload          string
	Truncated        bool
}

func toRec(p *Packet) rec {
	return rec{p.Number, p.Timestamp, p.CaptureLen, p.WireLen, p.Src, p.Dst, p.SrcPort, p.DstPort,
		p.Transport, p.TCPFlags, p.Seq, p.Ack, p.IPPayloadLen, string(p.Payload), p.Truncated}
}

// readAll reads a file to the end; err is the error that ended it (nil at a
// clean end).
func readAll(t testing.TB, path string) ([]rec, Stats, error) {
	t.Helper()
	f, err := OpenFile(path)
	if err != nil {
		return nil, Stats{}, err
	}
	defer f.Close()
	var out []rec
	var p Packet
	for {
		err := f.Next(&p)
		if err == io.EOF {
			return out, f.Stats(), nil
		}
		if err != nil {
			if err2 := f.Next(&p); err2 != err {
				t.Errorf("error not sticky: %v then %v", err, err2)
			}
			return out, f.Stats(), err
		}
		out = append(out, toRec(&p))
	}
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		file    string
		packets uint64
		decoded uint64
		skips   map[string]uint64
	}{
		{"lo-eth.pcap", 24, 24, nil},
		{"lo-eth.pcapng", 24, 24, nil},
		{"lo-eth.pcap.gz", 24, 24, nil},
		{"any-sll.pcap", 13, 13, nil},
		{"any-sll2.pcap", 12, 12, nil},
		{"any-sll2-nsec.pcap", 12, 12, nil},
		{"lo-snap80.pcap", 14, 13, map[string]uint64{"other_transport": 1}},
		{"mixed.pcapng", 36, 36, nil},
		{"mixed.pcapng.gz", 36, 36, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			recs, st, err := readAll(t, filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if st.Packets != tt.packets || st.Decoded != tt.decoded || uint64(len(recs)) != tt.decoded {
				t.Errorf("packets %d decoded %d returned %d, want %d %d", st.Packets, st.Decoded, len(recs), tt.packets, tt.decoded)
			}
			skips := st.Skips()
			if len(skips) != len(tt.skips) {
				t.Errorf("skips %v, want %v", skips, tt.skips)
			}
			for k, v := range tt.skips {
				if skips[k] != v {
					t.Errorf("skips %v, want %v", skips, tt.skips)
				}
			}
			for i, r := range recs {
				if i > 0 && r.Timestamp.Before(recs[i-1].Timestamp) {
					t.Errorf("packet %d: timestamp goes back", r.Number)
				}
			}
		})
	}
}

// TestLoEthValues checks values against tshark's reading of the same file.
func TestLoEthValues(t *testing.T) {
	recs, _, err := readAll(t, "testdata/lo-eth.pcap")
	if err != nil {
		t.Fatal(err)
	}
	p := recs[3]
	if p.Number != 4 || p.Timestamp != time.Unix(1795220824, 577672000).UTC() || p.CaptureLen != 155 || p.WireLen != 155 {
		t.Errorf("packet 4 frame: %+v", p)
	}
	if p.SrcPort != 45016 || p.DstPort != 18080 || p.Seq != 2320997332 || len(p.Payload) != 89 || !strings.HasPrefix(p.Payload, "GET /index.html") {
		t.Errorf("packet 4: %+v", p)
	}
	if p := recs[0]; p.TCPFlags != FlagSYN || p.Seq != 2320997331 || p.Ack != 0 {
		t.Errorf("packet 1: %+v", p)
	}
	p = recs[15]
	if p.Src != netip.MustParseAddr("::1") || p.SrcPort != 39996 || p.Seq != 3539927889 || len(p.Payload) != 85 {
		t.Errorf("packet 16: %+v", p)
	}
	snap, _, err := readAll(t, "testdata/lo-snap80.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if p := snap[3]; p.WireLen != 155 || p.CaptureLen != 80 || p.IPPayloadLen != 121 || len(p.Payload) != 14 || !p.Truncated {
		t.Errorf("snap80 packet 4: %+v", p)
	}
	if p := snap[12]; p.Transport != UDP || p.DstPort != 18053 || len(p.Payload) != 29 || p.Truncated {
		t.Errorf("snap80 packet 13: %+v", p)
	}
}

// TestFormatsAgree reads the same packets in different containers.
func TestFormatsAgree(t *testing.T) {
	dir := t.TempDir()
	be := filepath.Join(dir, "lo-eth-be.pcap")
	if err := os.WriteFile(be, swapPcap(t, mustRead(t, "testdata/lo-eth.pcap")), 0o644); err != nil {
		t.Fatal(err)
	}
	groups := [][]string{
		{"testdata/lo-eth.pcap", "testdata/lo-eth.pcapng", "testdata/lo-eth.pcap.gz", be},
		{"testdata/any-sll2.pcap", "testdata/any-sll2-nsec.pcap"},
		{"testdata/mixed.pcapng", "testdata/mixed.pcapng.gz"},
	}
	for _, g := range groups {
		want, _, err := readAll(t, g[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range g[1:] {
			got, _, err := readAll(t, name)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d packets, %s: %d", g[0], len(want), name, len(got))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s packet %d:\n got %+v\nwant %+v", name, i+1, got[i], want[i])
				}
			}
		}
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// swapPcap converts a little-endian pcap to big-endian.
func swapPcap(t testing.TB, b []byte) []byte {
	t.Helper()
	out := bytes.Clone(b)
	sw32 := func(o int) { binary.BigEndian.PutUint32(out[o:], binary.LittleEndian.Uint32(b[o:])) }
	sw16 := func(o int) { binary.BigEndian.PutUint16(out[o:], binary.LittleEndian.Uint16(b[o:])) }
	sw32(0)
	sw16(4)
	sw16(6)
	for o := 8; o < 24; o += 4 {
		sw32(o)
	}
	for o := 24; o < len(b); {
		for i := 0; i < 16; i += 4 {
			sw32(o + i)
		}
		o += 16 + int(binary.LittleEndian.Uint32(b[o+8:]))
	}
	return out
}

// TestAgainstGopacket decodes every fixture record with gopacket's layers as
// an independent reference.
func TestAgainstGopacket(t *testing.T) {
	for _, name := range []string{"lo-eth.pcap", "any-sll.pcap", "any-sll2.pcap", "lo-snap80.pcap", "mixed.pcapng"} {
		path := filepath.Join("testdata", name)
		recs, _, err := readAll(t, path)
		if err != nil {
			t.Fatal(err)
		}
		var want []rec
		for i, pk := range refPackets(t, path) {
			r := rec{Number: uint64(i + 1), Timestamp: pk.Metadata().Timestamp, CaptureLen: pk.Metadata().CaptureLength, WireLen: pk.Metadata().Length}
			if nl := pk.NetworkLayer(); nl != nil {
				src, dst := nl.NetworkFlow().Endpoints()
				r.Src, _ = netip.AddrFromSlice(src.Raw())
				r.Dst, _ = netip.AddrFromSlice(dst.Raw())
			}
			switch l := pk.TransportLayer().(type) {
			case *layers.TCP:
				r.Transport, r.SrcPort, r.DstPort, r.Seq, r.Ack = TCP, uint16(l.SrcPort), uint16(l.DstPort), l.Seq, l.Ack
				r.TCPFlags = l.Contents[13]
				r.Payload = string(l.Payload)
			case *layers.UDP:
				r.Transport, r.SrcPort, r.DstPort = UDP, uint16(l.SrcPort), uint16(l.DstPort)
				r.Payload = string(l.Payload)
			default:
				continue
			}
			want = append(want, r)
		}
		if len(recs) != len(want) {
			t.Fatalf("%s: %d packets, gopacket %d", name, len(recs), len(want))
		}
		for i := range recs {
			got := recs[i]
			got.IPPayloadLen, got.Truncated = 0, false
			if got != want[i] {
				t.Errorf("%s packet %d:\n got %+v\nwant %+v", name, got.Number, got, want[i])
			}
		}
	}
}

func refPackets(t *testing.T, path string) []gopacket.Packet {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []gopacket.Packet
	if strings.HasSuffix(path, ".pcapng") {
		r, err := pcapgo.NewNgReader(f, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			t.Fatal(err)
		}
		for {
			data, ci, err := r.ReadPacketData()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			pk := gopacket.NewPacket(data, ci.AncillaryData[0].(layers.LinkType), gopacket.Default)
			pk.Metadata().CaptureInfo = ci
			out = append(out, pk)
		}
	}
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		pk := gopacket.NewPacket(data, r.LinkType(), gopacket.Default)
		pk.Metadata().CaptureInfo = ci
		out = append(out, pk)
	}
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestCorrupt(t *testing.T) {
	pcap := mustRead(t, "testdata/lo-eth.pcap")
	ng := mustRead(t, "testdata/lo-eth.pcapng")
	absurd := bytes.Clone(pcap)
	// record 3 starts after the 24-byte header and two 16+74 byte records
	binary.LittleEndian.PutUint32(absurd[24+2*(16+74)+8:], 0x7FFFFFF0)
	longerThanFile := bytes.Clone(pcap)
	binary.LittleEndian.PutUint32(longerThanFile[24+2*(16+74)+8:], 100000)
	binary.LittleEndian.PutUint32(longerThanFile[24+2*(16+74)+12:], 100000)
	capOverWire := bytes.Clone(pcap)
	binary.LittleEndian.PutUint32(capOverWire[24+2*(16+74)+12:], 10)
	// First EPB of lo-eth.pcapng (after the SHB and IDB) claims 100000 bytes.
	ngLong := bytes.Clone(ng)
	epb := int(binary.LittleEndian.Uint32(ng[4:]))
	epb += int(binary.LittleEndian.Uint32(ng[epb+4:]))
	binary.LittleEndian.PutUint32(ngLong[epb+4:], 100000)
	gzCut := gz(t, pcap)
	gzCut = gzCut[:len(gzCut)-20]
	tests := []struct {
		name    string
		data    []byte
		good    int    // packets returned before the error
		packet  uint64 // Error.Packet
		offset  int64
		is      error
		message string // suffix after "capture: FILE"
	}{
		{"not a capture", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 0, 0, 0, ErrNotCapture, ": not a pcap or pcapng file"},
		{"empty", nil, 0, 0, 0, nil, ": empty file"},
		{"pcap header cut", pcap[:10], 0, 0, 0, io.ErrUnexpectedEOF, ": file header truncated: unexpected EOF"},
		{"pcapng header cut", ng[:10], 0, 0, 0, io.ErrUnexpectedEOF, ": section header truncated: unexpected EOF"},
		{"last record cut", pcap[:len(pcap)-10], 23, 24, int64(len(pcap) - 86 - 16), io.ErrUnexpectedEOF, ": packet 24: record truncated: unexpected EOF"},
		{"record header cut", pcap[:24+16+74+5], 1, 2, 24 + 16 + 74, io.ErrUnexpectedEOF, ": packet 2: record header truncated: unexpected EOF"},
		{"absurd length", absurd, 2, 3, 24 + 2*(16+74), ErrRecordTooLarge, ": packet 3: captured length 2147483632: record length out of range"},
		{"record longer than file", longerThanFile, 2, 3, 24 + 2*(16+74), io.ErrUnexpectedEOF, ": packet 3: record truncated: unexpected EOF"},
		{"caplen over wire len", capOverWire, 2, 3, 24 + 2*(16+74), nil, ": packet 3: bad record: capture length exceeds original packet length: 66 > 10"},
		{"pcapng block cut", ng[:len(ng)-30], 23, 24, int64(len(ng) - 120) /* last EPB: 28 + 86 data + 2 padding + 4 */, io.ErrUnexpectedEOF, ": packet 24: block truncated: unexpected EOF"},
		{"pcapng block longer than file", ngLong, 0, 1, int64(epb), io.ErrUnexpectedEOF, ": packet 1: block truncated: unexpected EOF"},
		{"gzip cut", gzCut, -1, 0, -1, io.ErrUnexpectedEOF, "gzip stream truncated: unexpected EOF"},
		{"gzip garbage", []byte{0x1f, 0x8b, 1, 2, 3}, 0, 0, 0, nil, ": gzip header: "},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			recs, _, err := readAll(t, path)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if tt.good >= 0 && len(recs) != tt.good {
				t.Errorf("%d packets before the error, want %d", len(recs), tt.good)
			}
			if tt.good < 0 && len(recs) == 0 {
				t.Errorf("no packets before the error")
			}
			if ce.File != path || (tt.packet != 0 && ce.Packet != tt.packet) {
				t.Errorf("File %q Packet %d, want %q %d", ce.File, ce.Packet, path, tt.packet)
			}
			if tt.offset >= 0 && ce.Offset != tt.offset {
				t.Errorf("Offset %d, want %d", ce.Offset, tt.offset)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("%v does not wrap %v", err, tt.is)
			}
			// The message names the file, the packet and, for a fault in the
			// middle of the file, its byte offset.
			msg := strings.Replace(err.Error(), fmt.Sprintf(" (byte offset %d)", ce.Offset), "", 1)
			if !strings.HasPrefix(msg, "capture: "+path) || !strings.Contains(msg, tt.message) {
				t.Errorf("message %q, want %q", msg, "capture: "+path+tt.message)
			}
		})
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := OpenFile("testdata/does-not-exist.pcap")
	var ce *Error
	if !errors.As(err, &ce) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err %v", err)
	}
	if got, want := err.Error(), "capture: testdata/does-not-exist.pcap: no such file or directory"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
