package record

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// oddStrings are strings encoding/json treats specially.
var oddStrings = []string{
	"", "plain", `quote " and \ backslash`, "ctl \x00\x01\x07\x08\x0c\x1f\x7f end",
	"\n\r\t", "html <script>&amp;</script>", "bad utf8 \xff\xfe \xc3", "sep \u2028 \u2029 x",
	"ünïcödé €", "\xed\xa0\x80 surrogate", "emoji 🙂", "trailing \xe2\x80",
}

// fill sets every field of v (a struct) from r, recursively, so that a
// field added to a record type without the hand encoder knowing it makes
// the comparison fail.
func fill(r *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if r.IntN(4) == 0 {
			v.SetString("")
		} else {
			v.SetString(oddStrings[r.IntN(len(oddStrings))])
		}
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt([]int64{0, 1, -1, 443, 1 << 40, -(1 << 62)}[r.IntN(6)])
	case reflect.Uint, reflect.Uint64, reflect.Uint16, reflect.Uint8, reflect.Uint32:
		x := []uint64{0, 1, 65535, 1 << 40}[r.IntN(4)]
		if v.OverflowUint(x) {
			x = 7
		}
		v.SetUint(x)
	case reflect.Float64:
		v.SetFloat([]float64{0, -1, 0.25, 1e-9}[r.IntN(4)])
	case reflect.Pointer:
		if r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem())
		v.Set(p)
	case reflect.Slice:
		switch r.IntN(3) {
		case 0:
			v.SetZero()
		default:
			n := r.IntN(3)
			s := reflect.MakeSlice(v.Type(), n, n)
			for i := range n {
				fill(r, s.Index(i))
			}
			v.Set(s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fill(r, v.Field(i))
		}
	case reflect.Map:
		v.SetZero()
	}
}

// TestAppendMatchesJSON: the hand-written encoders write exactly what
// encoding/json writes, on every golden record and on many filled records.
func TestAppendMatchesJSON(t *testing.T) {
	files, _ := filepath.Glob("../testdata/golden/*.jsonl")
	n := 0
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		d := NewDecoder(name, bytes.NewReader(raw))
		for {
			l, err := d.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.Flow != nil {
				n++
				if got, want := AppendFlow(nil, l.Flow), appendJSON(nil, l.Flow); !bytes.Equal(got, want) {
					t.Fatalf("%s:%d:\n got %s\nwant %s", name, l.Number, got, want)
				}
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d golden flow records", n)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		var f Flow
		fill(r, reflect.ValueOf(&f).Elem())
		if got, want := AppendFlow(nil, &f), appendJSON(nil, &f); !bytes.Equal(got, want) {
			t.Fatalf("flow %d:\n got %s\nwant %s", i, got, want)
		}
		var ev Event
		fill(r, reflect.ValueOf(&ev).Elem())
		if got, want := AppendEvent(nil, &ev), appendJSON(nil, &ev); !bytes.Equal(got, want) {
			t.Fatalf("event %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// FuzzAppendString compares the string encoder with encoding/json.
func FuzzAppendString(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl := Flow{User: s, ALPN: []string{s}}
		if got, want := AppendFlow(nil, &fl), appendJSON(nil, &fl); !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got %s\nwant %s", s, got, want)
		}
	})
}

// TestAppendAllocs: encoding a record into a buffer with room allocates
// nothing.
func TestAppendAllocs(t *testing.T) {
	f := benchFlow()
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf = AppendFlow(buf[:0], &f) }); n != 0 {
		t.Errorf("AppendFlow: %v allocs", n)
	}
	ts := time.Date(2026, 12, 7, 21, 0, 0, 123456789, time.UTC)
	if n := testing.AllocsPerRun(100, func() { buf = AppendTime(buf[:0], ts) }); n != 0 {
		t.Errorf("AppendTime: %v allocs", n)
	}
}

func benchFlow() Flow {
	enc := true
	return Flow{
		Schema: FlowSchema, CommunityID: "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
		Start: "2026-12-07T21:00:00.123456789Z", End: "2026-12-07T21:00:01.000000000Z",
		Transport: "tcp", Client: "10.1.2.3:40000", Server: "10.1.1.10:9476", Service: "as-signon-s",
		IBMi: true, LabelSource: "port", Encrypted: &enc, TLSVersion: "TLS 1.3", SNI: "ibmi.example.com",
		ALPN: []string{}, PacketsC2S: 12, PacketsS2C: 10, BytesC2S: 1400, BytesS2C: 9000,
		Findings: []Finding{{Kind: "weak_tls_version", Severity: "medium", Message: "TLS 1.0 negotiated"}},
		Protocol: "tls", TLSOffered: "TLS 1.3", EndReason: "fin",
		Evidence: &Evidence{File: "x.pcap", FirstPacket: 17},
	}
}

// BenchmarkAppendFlow measures record encoding (records/s = 1e9 / ns/op).
func BenchmarkAppendFlow(b *testing.B) {
	f := benchFlow()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFlow(buf[:0], &f)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkAppendFlowReflect is the encoding/json path it replaced.
func BenchmarkAppendFlowReflect(b *testing.B) {
	f := benchFlow()
	b.ReportAllocs()
	for b.Loop() {
		appendJSON(nil, &f)
	}
}

// AppendTime agrees with time.Format over many instants, zones included.
func TestAppendTime(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	zones := []*time.Location{time.UTC, time.FixedZone("x", 3600), time.FixedZone("y", -5*3600-1800)}
	for range 20000 {
		ts := time.Unix(r.Int64N(1<<34)-1<<32, r.Int64N(1e9)).In(zones[r.IntN(len(zones))])
		if got, want := string(AppendTime(nil, ts)), ts.Format(TimeLayout); got != want {
			t.Fatalf("AppendTime(%v) = %s, want %s", ts, got, want)
		}
	}
}
