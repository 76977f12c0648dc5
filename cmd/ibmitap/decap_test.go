package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/ibmitap/ibmitap/capture/synth"
	"github.com/ibmitap/ibmitap/record"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// flows reads files with `read --format json` and returns the flow records
// without their evidence (which names the file).
func flows(t *testing.T, files ...string) []record.Flow {
	t.Helper()
	out, errs, code := readCapture(t, "json", files...)
	if code != exitOK {
		t.Fatalf("%v: exit %d: %s", files, code, errs)
	}
	var recs []record.Flow
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var r record.Flow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %v", files, err)
		}
		if r.Schema != record.FlowSchema {
			continue // the run summary
		}
		r.Evidence = nil
		recs = append(recs, r)
	}
	return recs
}

// sameFlows compares records field for field.
func sameFlows(t *testing.T, name string, got, want []record.Flow) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d records, want %d", name, len(got), len(want))
		return
	}
	for i := range got {
		a, b := record.AppendFlow(nil, &got[i]), record.AppendFlow(nil, &want[i])
		if !bytes.Equal(a, b) {
			t.Errorf("%s: record %d\n got %s\nwant %s", name, i, a, b)
		}
	}
}

func rewrap(t *testing.T, src string, e synth.Encap) []byte {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out bytes.Buffer
	if err := synth.Rewrap(in, &out, e); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func tempFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLinkTypeCaptures: the checked-in captures of link layers no producer
// on a test machine writes are the jt400 sign-on capture replayed in them
// (regenerating one gives the same bytes), and give its records exactly.
func TestLinkTypeCaptures(t *testing.T) {
	src := filepath.Join(testdataDir, "jt400-plain-signon.pcap")
	want := flows(t, src)
	files, _ := filepath.Glob(filepath.Join(testdataDir, "link", "jt400-plain-signon-*.pcap"))
	if len(files) < 9 {
		t.Fatalf("%d link-type captures", len(files))
	}
	for _, f := range files {
		e := synth.Encap(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "jt400-plain-signon-"), ".pcap"))
		t.Run(string(e), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, rewrap(t, src, e)) {
				t.Errorf("%s is not what gencap -wrap %s makes now", f, e)
			}
			if e == synth.WiFiCrypt {
				return // TestUndecodable
			}
			sameFlows(t, string(e), flows(t, f), want)
		})
	}
}

// TestTunnelsEquivalent replays every Ethernet capture in testdata inside
// each tunnel and stacked link layer: the records are those of the inner
// traffic, field for field (times too: the replay keeps them), with the
// VLAN the framing carries.
func TestTunnelsEquivalent(t *testing.T) {
	encaps := map[synth.Encap]uint16{
		synth.GRE: 0, synth.GREOpts: 0, synth.GRETap: 0, synth.ERSPAN2: 10, synth.ERSPAN3: 0, synth.ERSPAN3Sub: 0,
		synth.VXLAN: 0, synth.Geneve: 0, synth.IPIP: 0, synth.IP6IP: 0, synth.MPLS: 0, synth.MPLSPW: 0,
		synth.PPPoE: 0, synth.VLAN: 100, synth.QinQ: 200,
	}
	files, _ := filepath.Glob(filepath.Join(testdataDir, "*.pcap"))
	n := 0
	for _, src := range files {
		if r, err := os.Open(src); err == nil {
			pr, err := pcapgo.NewReader(r)
			link := 0
			if err == nil {
				link = int(pr.LinkType())
			}
			r.Close()
			if link != 1 {
				continue
			}
		}
		want := flows(t, src)
		for e, vlan := range encaps {
			got := flows(t, tempFile(t, string(e)+".pcap", rewrap(t, src, e)))
			for i := range got {
				if got[i].VLAN != vlan {
					t.Errorf("%s in %s: record %d vlan %d, want %d", filepath.Base(src), e, i, got[i].VLAN, vlan)
				}
				got[i].VLAN = 0
			}
			sameFlows(t, filepath.Base(src)+" in "+string(e), got, want)
		}
		n++
	}
	if n < 20 {
		t.Fatalf("only %d Ethernet captures replayed", n)
	}
}

// TestVLANsStayApart: the same conversation on VLAN 100 and on VLAN 200
// (same addresses, ports, sequence numbers, times) is two flows, each
// record with its VLAN.
func TestVLANsStayApart(t *testing.T) {
	src := filepath.Join(testdataDir, "jt400-plain-signon.pcap")
	single := flows(t, src)
	a, err := pcapgo.NewReader(bytes.NewReader(rewrap(t, src, synth.VLAN)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := pcapgo.NewReader(bytes.NewReader(rewrap(t, src, synth.QinQ)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	synth.WritePcapHeader(&out, 1)
	for {
		fa, ca, errA := a.ReadPacketData()
		fb, cb, errB := b.ReadPacketData()
		if errA != nil || errB != nil {
			break
		}
		synth.WritePcapRecord(&out, ca.Timestamp, fa, len(fa))
		synth.WritePcapRecord(&out, cb.Timestamp, fb, len(fb))
	}
	got := flows(t, tempFile(t, "two-vlans.pcap", out.Bytes()))
	if len(got) != 2*len(single) {
		t.Fatalf("%d records, want %d (one per VLAN)", len(got), 2*len(single))
	}
	per := map[uint16]int{}
	for _, r := range got {
		per[r.VLAN]++
		if r.PacketsC2S+r.PacketsS2C == 0 {
			t.Errorf("empty record %+v", r)
		}
	}
	if per[100] != len(single) || per[200] != len(single) {
		t.Errorf("records per VLAN %v, want %d each on 100 and 200", per, len(single))
	}
	// The vlan field is written only when there is one.
	if out, _, _ := readCapture(t, "json", src); strings.Contains(out, `"vlan"`) {
		t.Error("untagged records carry a vlan field")
	}
}

// TestInputFormats: compressed captures and other pcap versions give the
// records of the plain file.
func TestInputFormats(t *testing.T) {
	src := filepath.Join(testdataDir, "jt400-plain-signon.pcap")
	want := flows(t, src)
	plain, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var zb, xb bytes.Buffer
	zw, _ := zstd.NewWriter(&zb)
	zw.Write(plain)
	zw.Close()
	xw, _ := xz.NewWriter(&xb)
	xw.Write(plain)
	xw.Close()
	// Version 2.1: the record header holds the original length first.
	v21 := bytes.Clone(plain)
	binary.LittleEndian.PutUint16(v21[6:], 1)
	for o := 24; o < len(v21); {
		c := binary.LittleEndian.Uint32(plain[o+8:])
		copy(v21[o+8:o+12], plain[o+12:o+16])
		copy(v21[o+12:o+16], plain[o+8:o+12])
		o += 16 + int(c)
	}
	// Kuznetzov: eight more bytes in each record header.
	kuz := bytes.Clone(plain[:24])
	binary.LittleEndian.PutUint32(kuz, 0xA1B2CD34)
	for o := 24; o < len(plain); {
		c := int(binary.LittleEndian.Uint32(plain[o+8:]))
		kuz = append(kuz, plain[o:o+16]...)
		kuz = append(kuz, 1, 0, 0, 0, 8, 0, 0, 0)
		kuz = append(kuz, plain[o+16:o+16+c]...)
		o += 16 + c
	}
	for name, b := range map[string][]byte{"zst": zb.Bytes(), "xz": xb.Bytes(), "v2.1": v21, "kuznetzov": kuz} {
		sameFlows(t, name, flows(t, tempFile(t, "in", b)), want)
	}
}

// TestUndecodable: packets of a link type ibmitap cannot decode are named
// up front on stderr and in the table; a run that decoded nothing fails.
func TestUndecodable(t *testing.T) {
	dir := filepath.Join(testdataDir, "undecodable")
	for _, format := range []string{"table", "json"} {
		out, errs, code := readCapture(t, format, filepath.Join(dir, "user0.pcap"))
		if code != exitError {
			t.Errorf("%s: exit %d, want %d", format, code, exitError)
		}
		line := "22 packets of link type user 0 (147) could not be decoded"
		if !strings.Contains(errs, "ibmitap read: "+line+"\n") || !strings.Contains(errs, "none of the 22 packets read could be decoded") {
			t.Errorf("%s: stderr %q", format, errs)
		}
		if format == "table" && !strings.HasPrefix(out, "WARNING: "+line+"\n") {
			t.Errorf("table does not start with the warning:\n%s", out)
		}
		if format == "json" && !strings.Contains(out, `"undecodable":{"user 0 (147)":22}`) {
			t.Errorf("run summary without the undecodable count:\n%s", out)
		}
	}
	// Mixed: the Ethernet interface is classified, the rest reported.
	mixed := filepath.Join(dir, "mixed-user0.pcapng")
	out, errs, code := readCapture(t, "table", mixed)
	if code != exitOK || !strings.HasPrefix(out, "WARNING: 22 packets of link type user 0 (147) could not be decoded\n") ||
		!strings.Contains(out, "as-signon") || !strings.Contains(errs, "22 packets of link type user 0 (147)") {
		t.Errorf("mixed: exit %d\n%s\n%s", code, out, errs)
	}
	want := flows(t, filepath.Join(testdataDir, "jt400-plain-signon.pcap"))
	if got := flows(t, mixed); len(got) != len(want) {
		t.Errorf("mixed: %d records, want the %d of the Ethernet part", len(got), len(want))
	}
	// 802.11 with a protected body: counted per link type too.
	out, errs, code = readCapture(t, "table", filepath.Join(testdataDir, "link", "jt400-plain-signon-wifi-protected.pcap"))
	if code != exitError || !strings.HasPrefix(out, "WARNING: 36 packets of link type 802.11 could not be decoded\n") ||
		!strings.Contains(out, "skipped_wifi_encrypted=36") {
		t.Errorf("wifi protected: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestRecordedTunnels: each real tunnel or NFLOG capture (the kernel's own
// encapsulation, testdata/tunnel) gives the records of the inner traffic
// captured at the same time, all fields but the times (the two taps see a
// packet microseconds apart).
func TestRecordedTunnels(t *testing.T) {
	outers, _ := filepath.Glob(filepath.Join(testdataDir, "tunnel", "*-outer.pcap"))
	if len(outers) < 3 {
		t.Fatalf("%d recorded tunnel captures", len(outers))
	}
	for _, outer := range outers {
		inner := strings.TrimSuffix(outer, "-outer.pcap") + "-inner.pcap"
		got, want := flows(t, outer), flows(t, inner)
		if len(want) == 0 {
			t.Fatalf("%s: no records", inner)
		}
		for _, recs := range [][]record.Flow{got, want} {
			for i := range recs {
				recs[i].Start, recs[i].End = "", ""
			}
		}
		sameFlows(t, filepath.Base(outer), got, want)
	}
}

// TestVLANLearning: what the port mapper answers on one VLAN teaches that
// VLAN only. The mapper conversations of jt400-remapped go on VLAN 100, the
// host-server connections on VLAN 200: the remapped TLS ports are no longer
// labelled from the mapper's answers (on one VLAN they are:
// TestTunnelsEquivalent).
func TestVLANLearning(t *testing.T) {
	src := filepath.Join(testdataDir, "jt400-remapped.pcap")
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := pcapgo.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	synth.WritePcapHeader(&out, 1)
	for n := 1; ; n++ {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		ip := data[14:]
		l4 := ip[int(ip[0]&0x0F)*4:]
		e := synth.QinQ // VLAN 200
		if binary.BigEndian.Uint16(l4) == 449 || binary.BigEndian.Uint16(l4[2:]) == 449 {
			e = synth.VLAN // 100
		}
		frame, err := e.Wrap(ip, n)
		if err != nil {
			t.Fatal(err)
		}
		synth.WritePcapRecord(&out, ci.Timestamp, frame, len(frame))
	}
	got := flows(t, tempFile(t, "split.pcap", out.Bytes()))
	remapped := 0
	for _, rec := range got {
		if strings.HasSuffix(rec.Server, ":449") != (rec.VLAN == 100) {
			t.Errorf("%s on VLAN %d", rec.Server, rec.VLAN)
		}
		if strings.HasSuffix(rec.Server, ":19471") || strings.HasSuffix(rec.Server, ":9476") {
			remapped++
			if rec.LabelSource == "portmapper" {
				t.Errorf("%s on VLAN %d labelled from a port-mapper answer given on VLAN 100", rec.Server, rec.VLAN)
			}
		}
	}
	if remapped != 2 {
		t.Errorf("%d flows to the remapped TLS ports, want 2", remapped)
	}
}

// TestOutputToDevice: -o on a device or pipe writes to it; it is not
// replaced by a regular file (a rename over /dev/null did that).
func TestOutputToDevice(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// The read end, opened first and non-blocking: the output (a few KiB)
	// fits in the pipe's buffer, and nothing waits for a writer.
	rd, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var out, errb bytes.Buffer
	src := filepath.Join(testdataDir, "jt400-plain-signon.pcap")
	if code := run(t.Context(), []string{"read", "--format", "json", "-o", fifo, src}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b := make([]byte, 64<<10)
	n, _ := rd.Read(b)
	if !bytes.Contains(b[:n], []byte(`"service":"as-signon"`)) {
		t.Errorf("the pipe read %q", b[:n])
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("%s is no longer a pipe: %v %v", fifo, fi.Mode(), err)
	}
}
