package capture

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// pcapVariant rewrites a little-endian microsecond pcap: version minor,
// lengths in the pre-2.3 order, the Kuznetzov record header (8 more bytes
// per record), big-endian.
func pcapVariant(t testing.TB, b []byte, minor uint16, swapLens, kuz, big bool) []byte {
	t.Helper()
	var out []byte
	var order binary.AppendByteOrder = binary.LittleEndian
	if big {
		order = binary.BigEndian
	}
	magic := uint32(pcapMagicMicro)
	if kuz {
		magic = pcapMagicKuznetzov
	}
	out = order.AppendUint32(out, magic)
	out = order.AppendUint16(out, 2)
	out = order.AppendUint16(out, minor)
	for o := 8; o < 24; o += 4 {
		out = order.AppendUint32(out, binary.LittleEndian.Uint32(b[o:]))
	}
	for o := 24; o < len(b); {
		sec, usec := binary.LittleEndian.Uint32(b[o:]), binary.LittleEndian.Uint32(b[o+4:])
		capLen, wire := binary.LittleEndian.Uint32(b[o+8:]), binary.LittleEndian.Uint32(b[o+12:])
		out = order.AppendUint32(out, sec)
		out = order.AppendUint32(out, usec)
		if swapLens {
			out = order.AppendUint32(out, wire)
			out = order.AppendUint32(out, capLen)
		} else {
			out = order.AppendUint32(out, capLen)
			out = order.AppendUint32(out, wire)
		}
		if kuz {
			out = order.AppendUint32(out, 1)     // ifindex
			out = order.AppendUint16(out, 0x800) // protocol
			out = append(out, 0, 0)              // packet type, padding
		}
		out = append(out, b[o+16:o+16+int(capLen)]...)
		o += 16 + int(capLen)
	}
	return out
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func sameRecs(t *testing.T, name string, got, want []rec) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d packets, want %d", name, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s packet %d:\n got %+v\nwant %+v", name, i+1, got[i], want[i])
		}
	}
}

// TestPcapVersions reads the versions libpcap reads and pcapgo refuses: the
// records equal those of the 2.4 original. lo-snap80 has records whose
// captured length is below the original one, so a swapped pair shows.
func TestPcapVersions(t *testing.T) {
	for _, base := range []string{"lo-eth.pcap", "lo-snap80.pcap"} {
		orig := mustRead(t, filepath.Join("testdata", base))
		want, _, err := readAll(t, filepath.Join("testdata", base))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			name           string
			minor          uint16
			swap, kuz, big bool
		}{
			{"2.1-lengths-swapped", 1, true, false, false},
			{"2.1-lengths-swapped-be", 1, true, false, true},
			{"2.2", 2, false, false, false},
			{"2.3-old-order", 3, true, false, false},
			{"2.3-new-order", 3, false, false, false},
			{"2.3-be", 3, true, false, true},
			{"2.5", 5, false, false, false},
			{"kuznetzov", 4, false, true, false},
			{"kuznetzov-be", 4, false, true, true},
			{"kuznetzov-2.3", 3, true, true, false},
		} {
			t.Run(base+"/"+v.name, func(t *testing.T) {
				path := writeTemp(t, "v.pcap", pcapVariant(t, orig, v.minor, v.swap, v.kuz, v.big))
				got, _, err := readAll(t, path)
				if err != nil {
					t.Fatal(err)
				}
				sameRecs(t, v.name, got, want)
			})
		}
	}
	// Version 1 is archaic (libpcap refuses it too).
	b := pcapVariant(t, mustRead(t, "testdata/lo-eth.pcap"), 4, false, false, false)
	binary.LittleEndian.PutUint16(b[4:], 1)
	if _, err := OpenFile(writeTemp(t, "v1.pcap", b)); err == nil {
		t.Error("pcap version 1.4 accepted")
	}
}

// TestCompressed reads captures compressed by the real tools (checked in)
// and by the Go encoders, recognised by content under a misleading name.
func TestCompressed(t *testing.T) {
	plain := mustRead(t, "testdata/lo-eth.pcap")
	want, _, err := readAll(t, "testdata/lo-eth.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var zb, xb bytes.Buffer
	zw, _ := zstd.NewWriter(&zb)
	zw.Write(plain)
	zw.Close()
	xw, err := xz.NewWriter(&xb)
	if err != nil {
		t.Fatal(err)
	}
	xw.Write(plain)
	xw.Close()
	ngZ := mustRead(t, "testdata/mixed.pcapng")
	var nz bytes.Buffer
	zw, _ = zstd.NewWriter(&nz)
	zw.Write(ngZ)
	zw.Close()
	for _, path := range []string{
		"testdata/lo-eth.pcap.zst",
		"testdata/lo-eth.pcap.xz",
		writeTemp(t, "zstd.pcap", zb.Bytes()), // named like a plain file
		writeTemp(t, "xz.gz", xb.Bytes()),     // named like the wrong format
	} {
		got, _, err := readAll(t, path)
		if err != nil {
			t.Fatal(err)
		}
		sameRecs(t, path, got, want)
	}
	wantNg, _, _ := readAll(t, "testdata/mixed.pcapng")
	got, _, err := readAll(t, writeTemp(t, "ng", nz.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	sameRecs(t, "pcapng.zst", got, wantNg)

	// Cut and damaged compressed streams fail with the stream named.
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"zstd cut", zb.Bytes()[:len(zb.Bytes())*2/3], "zstd stream"},
		{"xz cut", xb.Bytes()[:len(xb.Bytes())*2/3], "xz stream"},
		{"xz garbage", append(append([]byte{}, xzMagic...), 1, 2, 3, 4, 5, 6, 7), "xz"},
		{"zstd garbage", append(append([]byte{}, zstdMagic...), 0xFF, 0xFF, 0xFF, 0xFF), "zstd"},
		{"zstd empty", append([]byte{}, zstdMagic...), "zstd"},
	} {
		_, _, err := readAll(t, writeTemp(t, "c", tt.data))
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
			t.Errorf("%s: error %v, want one naming %q", tt.name, err, tt.want)
		}
	}
}

// TestPcapngBlocks reads a pcapng with two interfaces of different link
// types and timestamp resolutions (mergecap of a microsecond Ethernet and a
// nanosecond SLL2 pcap), then the same with every block type a reader must
// skip inserted between its blocks.
func TestPcapngBlocks(t *testing.T) {
	a, _, err := readAll(t, "testdata/lo-eth.pcap")
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := readAll(t, "testdata/any-sll2-nsec.pcap")
	if err != nil {
		t.Fatal(err)
	}
	want := append(a, b...)
	sort.SliceStable(want, func(i, j int) bool { return want[i].Timestamp.Before(want[j].Timestamp) })
	for i := range want {
		want[i].Number = uint64(i + 1)
	}
	got, _, err := readAll(t, "testdata/mixed-res.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	sameRecs(t, "mixed-res.pcapng", got, want)

	ng := mustRead(t, "testdata/mixed-res.pcapng")
	block := func(typ uint32, body []byte) []byte {
		n := 12 + (len(body)+3)&^3
		out := binary.LittleEndian.AppendUint32(nil, typ)
		out = binary.LittleEndian.AppendUint32(out, uint32(n))
		out = append(out, body...)
		out = append(out, make([]byte, n-12-len(body))...)
		return binary.LittleEndian.AppendUint32(out, uint32(n))
	}
	extra := [][]byte{
		block(4, []byte{1, 0, 8, 0, 127, 0, 0, 1, 'l', 'o', 'c', 0, 0, 0, 0, 0}), // name resolution
		block(5, make([]byte, 12)),                     // interface statistics
		block(9, []byte("systemd journal")),            // journal export
		block(10, make([]byte, 9)),                     // decryption secrets
		block(0x00000BAD, []byte{0, 0, 0, 0, 1, 2}),    // custom, copyable
		block(0x40000BAD, []byte{0, 0, 0, 0}),          // custom, not copyable
		block(0x0FEDCBA9, []byte("some future block")), // unknown
	}
	var withExtra []byte
	for o, i := 0, 0; o < len(ng); i++ {
		n := int(binary.LittleEndian.Uint32(ng[o+4:]))
		withExtra = append(withExtra, ng[o:o+n]...)
		if i > 0 { // not before the first IDB... any place after the SHB
			withExtra = append(withExtra, extra[i%len(extra)]...)
		}
		o += n
	}
	got, _, err = readAll(t, writeTemp(t, "extra.pcapng", withExtra))
	if err != nil {
		t.Fatal(err)
	}
	sameRecs(t, "with extra blocks", got, want)
}

// TestXZDictLimit: an xz header asking for a huge dictionary is refused
// before anything is allocated; real files' sizes are read right.
func TestXZDictLimit(t *testing.T) {
	b := mustRead(t, "testdata/lo-eth.pcap.xz") // xz -9: 64 MiB
	if size, ok := xzDictSize(b); !ok || size != 64<<20 {
		t.Fatalf("xz -9 dictionary %d %v, want 64 MiB", size, ok)
	}
	huge := bytes.Clone(b)
	// Block header: size byte, flags, filter ID 0x21, props size 1, props.
	hdr := huge[12:]
	if hdr[1]&0xC0 != 0 || hdr[2] != 0x21 || hdr[3] != 1 {
		t.Fatalf("unexpected block header % x", hdr[:8])
	}
	hdr[4] = 40 // 4 GiB
	_, err := OpenFile(writeTemp(t, "huge.xz", huge))
	if err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("error %v, want the dictionary limit", err)
	}
}
