package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/classify"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// slowFlow is the reference: the record built, then encoded.
func slowFlow(f *classify.Flow, o FlowOptions) []byte {
	r := FromFlow(f)
	r.Sensor, r.Evidence = o.Sensor, o.Evidence
	return AppendFlow(nil, &r)
}

func slowEvent(ev *classify.FindingEvent, sensor string) []byte {
	e := FromEvent(ev)
	e.Sensor = sensor
	return AppendEvent(nil, &e)
}

// TestAppendOfMatches: on every testdata capture, every flow record and
// finding event written straight from the classifier equals the one built
// through FromFlow/FromEvent, byte for byte.
func TestAppendOfMatches(t *testing.T) {
	var files []string
	err := filepath.WalkDir("../testdata", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".pcap") || strings.HasSuffix(path, ".pcapng")) {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) < 90 {
		t.Fatalf("only %d captures in ../testdata", len(files))
	}
	var flows, events, findings int
	var buf []byte
	for _, name := range files {
		src, err := capture.OpenFile(name)
		if err != nil {
			continue // captures that fail on purpose
		}
		ev := &Evidence{File: name}
		o := FlowOptions{Sensor: "s1", Evidence: ev}
		e, err := classify.New(classify.Config{
			Emit: func(f *classify.Flow) {
				flows++
				findings += len(f.Findings)
				ev.FirstPacket = f.FirstPacket
				buf = AppendFlowOf(buf[:0], f, o)
				if want := slowFlow(f, o); !bytes.Equal(buf, want) {
					t.Errorf("%s: flow record\n got %s\nwant %s", name, buf, want)
				}
			},
			Finding: func(x *classify.FindingEvent) {
				events++
				buf = AppendEventOf(buf[:0], x, "")
				if want := slowEvent(x, ""); !bytes.Equal(buf, want) {
					t.Errorf("%s: finding event\n got %s\nwant %s", name, buf, want)
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := classify.Drain(src, e, nil); err != nil && !errors.Is(err, io.EOF) {
			t.Logf("%s: %v", name, err)
		}
		e.Flush()
		src.Close()
	}
	if flows < 150 || events < 150 || findings < 150 {
		t.Errorf("only %d flows, %d events, %d findings compared", flows, events, findings)
	}
	t.Logf("%d flow records (%d findings), %d finding events over %d captures", flows, findings, events, len(files))
}

// TestAppendVersionName: the allocation-free version name is the name.
func TestAppendVersionName(t *testing.T) {
	for v := range 1 << 16 {
		if got, want := string(classify.AppendVersionName(nil, uint16(v))), classify.VersionName(uint16(v)); got != want {
			t.Fatalf("%#04x: %q, want %q", v, got, want)
		}
	}
}

// fuzzReader hands out values from fuzz bytes, zeros once they run out.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) bytes(n int) []byte {
	out := make([]byte, n)
	r.b = r.b[copy(out, r.b):]
	return out
}

func (r *fuzzReader) u8() uint8   { return r.bytes(1)[0] }
func (r *fuzzReader) u16() uint16 { return binary.BigEndian.Uint16(r.bytes(2)) }
func (r *fuzzReader) u64() uint64 { return binary.BigEndian.Uint64(r.bytes(8)) }
func (r *fuzzReader) bool() bool  { return r.u8()&1 == 1 }

// str is one of the odd strings or up to 31 raw bytes (any UTF-8 or not).
func (r *fuzzReader) str() string {
	n := r.u8()
	if n >= 0xe0 {
		return oddStrings[int(n)%len(oddStrings)]
	}
	return string(r.bytes(int(n % 32)))
}

func (r *fuzzReader) time() time.Time {
	switch r.u8() % 8 {
	case 0:
		return time.Time{}
	case 1: // far outside the years AppendTime writes by hand
		return time.Unix(int64(r.u64()>>1)-1<<62, int64(r.u16())).In(time.FixedZone("z", int(int16(r.u16()))*60))
	case 2:
		return time.Unix(int64(r.u64()%(1<<38))-1<<37, int64(r.u64()%1e9))
	}
	return time.Unix(int64(r.u64()%(1<<34)), int64(r.u64()%1e9)).In(time.FixedZone("x", int(int8(r.u8()))*900))
}

func (r *fuzzReader) addrPort() netip.AddrPort {
	var a netip.Addr
	switch r.u8() % 6 {
	case 0: // invalid
	case 1, 2:
		a = netip.AddrFrom4([4]byte(r.bytes(4)))
	case 3: // v4-mapped v6
		a = netip.AddrFrom16(netip.AddrFrom4([4]byte(r.bytes(4))).As16())
	case 4:
		a = netip.AddrFrom16([16]byte(r.bytes(16)))
	case 5:
		a = netip.AddrFrom16([16]byte(r.bytes(16))).WithZone(r.str())
	}
	return netip.AddrPortFrom(a, r.u16())
}

var severityNames = []string{"info", "low", "medium", "high", "critical", "HIGH", "", "bogus"}

// fuzzFlow builds a classify.Flow with every field taken from data.
func fuzzFlow(data []byte) (*classify.Flow, FlowOptions) {
	r := &fuzzReader{data}
	f := &classify.Flow{
		Start: r.time(), End: r.time(), Transport: r.u8(),
		Client: r.addrPort(), Server: r.addrPort(), VLAN: r.u16(),
		Service: r.str(), IBMi: r.bool(), LabelSource: r.str(), Protocol: r.str(),
		HasPayload: r.bool(), Inspected: r.bool(), Encrypted: r.bool(), Upgraded: r.bool(),
		User: r.str(), PortmapRequest: r.str(), PortmapPort: r.u16(), PortmapRefused: r.bool(),
		PacketsC2S: r.u64(), PacketsS2C: r.u64(), BytesC2S: r.u64(), BytesS2C: r.u64(),
		GapBytesC2S: r.u64(), GapBytesS2C: r.u64(),
		MidStream: r.bool(), EndReason: r.str(), FirstPacket: r.u64(),
	}
	f.TLS = detect.TLSInfo{Seen: r.bool(), Established: r.bool(), Offered: r.u16(), Negotiated: r.u16(), SNI: r.str(), Alert: r.bool()}
	if n := r.u8() % 5; n > 0 {
		for range n - 1 {
			f.TLS.ALPN = append(f.TLS.ALPN, r.str())
		}
	}
	if r.bool() {
		f.Control = &classify.FlowRef{Transport: r.u8(), Client: r.addrPort(), Server: r.addrPort()}
	}
	for range r.u8() % 20 {
		f.Findings = append(f.Findings, detect.Finding{
			Kind: r.str(), Severity: severityNames[r.u8()%8], Message: r.str(), User: r.str(),
			Protocol: r.str(), Mechanism: r.str(), Record: r.str(), Length: int(int16(r.u16())),
			Port: int(r.u16()), TLSPort: int(r.u16()), Learned: r.str(), Count: int(r.u8()), Basis: r.str(),
		})
	}
	var o FlowOptions
	o.Sensor = r.str()
	if r.bool() {
		o.Evidence = &Evidence{File: r.str(), FirstPacket: r.u64()}
	}
	return f, o
}

// FuzzAppendFlowOf compares the direct encoders with the record path on
// arbitrary flows: odd and zero times, invalid, zoned and v4-mapped
// addresses, strings that need escaping, unknown versions, findings.
func FuzzAppendFlowOf(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 400))
	f.Add([]byte(strings.Repeat("\x05\x01\x02\x03\x04\xe7\x81\xe3\"\\\x00", 40)))
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, o := fuzzFlow(data)
		if got, want := AppendFlowOf(nil, fl, o), slowFlow(fl, o); !bytes.Equal(got, want) {
			t.Fatalf("flow record\n got %s\nwant %s", got, want)
		}
		if len(fl.Findings) == 0 {
			return
		}
		ev := &classify.FindingEvent{Time: fl.End, Flow: fl, Finding: fl.Findings[0]}
		if got, want := AppendEventOf(nil, ev, o.Sensor), slowEvent(ev, o.Sensor); !bytes.Equal(got, want) {
			t.Fatalf("finding event\n got %s\nwant %s", got, want)
		}
	})
}

// benchClassifyFlow is a finished TLS flow as the engine hands it over.
func benchClassifyFlow(findings bool) *classify.Flow {
	f := &classify.Flow{
		Start:     time.Date(2026, 12, 7, 21, 0, 0, 123456789, time.UTC),
		End:       time.Date(2026, 12, 7, 21, 0, 1, 0, time.UTC),
		Transport: 6, Client: netip.MustParseAddrPort("10.1.2.3:40000"),
		Server: netip.MustParseAddrPort("10.1.1.10:9476"), Service: "as-signon-s", IBMi: true,
		LabelSource: "port", Protocol: "tls", HasPayload: true, Inspected: true, Encrypted: true,
		TLS:        detect.TLSInfo{Seen: true, Established: true, Offered: 0x0304, Negotiated: 0x0301, SNI: "ibmi.example.com"},
		PacketsC2S: 12, PacketsS2C: 10, BytesC2S: 1400, BytesS2C: 9000, EndReason: "fin", FirstPacket: 17,
	}
	if findings {
		f.User = "QSECOFR"
		f.Findings = []detect.Finding{
			{Kind: "user_id_exposed", Severity: "low", Message: "user ID QSECOFR in clear", User: "QSECOFR", Basis: "bytes"},
			{Kind: "weak_tls_version", Severity: "medium", Message: "TLS 1.0 negotiated", Basis: "bytes"},
		}
	}
	return f
}

// TestAppendOfAllocs: writing one flow record with findings, and one
// finding event, into a reused buffer allocates nothing.
func TestAppendOfAllocs(t *testing.T) {
	f := benchClassifyFlow(true)
	o := FlowOptions{Sensor: "s1", Evidence: &Evidence{File: "x.pcap", FirstPacket: 17}}
	ev := &classify.FindingEvent{Time: f.End, Flow: f, Finding: f.Findings[0]}
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf = AppendFlowOf(buf[:0], f, o) }); n != 0 {
		t.Errorf("AppendFlowOf: %v allocs", n)
	}
	if n := testing.AllocsPerRun(100, func() { buf = AppendEventOf(buf[:0], ev, "s1") }); n != 0 {
		t.Errorf("AppendEventOf: %v allocs", n)
	}
}

func benchmarkAppendFlowOf(b *testing.B, findings bool) {
	f := benchClassifyFlow(findings)
	o := FlowOptions{Evidence: &Evidence{File: "x.pcap", FirstPacket: 17}}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFlowOf(buf[:0], f, o)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkAppendFlowOf measures writing a flow record straight from the
// classifier's flow, as read --format json and watch do.
func BenchmarkAppendFlowOf(b *testing.B) { benchmarkAppendFlowOf(b, false) }

// BenchmarkAppendFlowOfFindings is the same with a user and two findings.
func BenchmarkAppendFlowOfFindings(b *testing.B) { benchmarkAppendFlowOf(b, true) }

// BenchmarkFromFlowAppend is the path it replaced: build the record, then
// encode it.
func BenchmarkFromFlowAppend(b *testing.B) {
	f := benchClassifyFlow(true)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		r := FromFlow(f)
		buf = AppendFlow(buf[:0], &r)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
