package hostsrv

import (
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// craftedRLE is the reviewer's worst case: a seed exchange, then an 8 KiB
// head of 39-byte compressed database requests, each declaring 16 KiB of
// parameters made of one repeat of the pattern 38 07.
func craftedRLE() []byte {
	out := []byte{0, 0, 0, 28, 3, 0, 0xE0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0x70, 0x01, 1, 2, 3, 4, 5, 6, 7, 8}
	for len(out) < 8192-40 {
		out = append(out, 0, 0, 0, 39, 0, 0, 0xE0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0x18, 0x00,
			0x00, 0x08, 0x00, 0x00, // ORS with the compressed bit
			0, 0, 0, 15, 0x38, 0x32, 0, 0, 0x40, 0, // LL CP, uncompressed length 16 KiB
			0x1B, 0x38, 0x07, 0xFF, 0xFF)
	}
	return out
}

// fillerRLE is one compressed prepare whose 0x3807 statement follows a
// filler parameter of 128 KiB that is a single repeat: it only shows if the
// walk skips the repeat instead of stopping at a decode cap.
func fillerRLE() []byte {
	var z []byte
	z = append(z, 0x00, 0x02, 0x00, 0x06, 0x38, 0x12) // LL 131078, CP 0x3812
	z = append(z, 0x1B, 0x00, 0x00, 0xFF, 0xFF)       // 131070 zero bytes
	z = append(z, 0x00, 0x00)                         // the last two
	stmt := utf16be("SELECT 1")
	z = append(z, param(0x3807, u16(13488), u16(uint16(len(stmt))), stmt)...)
	return message(0, ServerSQL, 0x1803, 3, dbTemplate(0x80080000, 2),
		append(param(0x3832, u32(131078+6+4+uint32(len(stmt)))), z...))
}

func TestRLECost(t *testing.T) {
	in := &detect.Input{C2S: craftedRLE(), Transport: 6, C2SFull: true}
	if !Detect(in, &detect.Verdict{}) {
		t.Fatal("crafted head not recognised")
	}
	// Nothing is inflated: the allocations are the verdict's, not per request.
	if n := testing.AllocsPerRun(20, func() { Detect(in, &detect.Verdict{}) }); n > 2 {
		t.Errorf("Detect on the crafted head: %.0f allocations", n)
	}

	c2s := append(append([]byte{}, unhex(t, strings.Replace(hx7001, "E0 08", "E0 04", 1))...), fillerRLE()...)
	var v detect.Verdict
	if !Detect(&detect.Input{C2S: c2s, Transport: 6}, &v) {
		t.Fatal("filler prepare not recognised")
	}
	if len(v.Findings) != 1 || v.Findings[0].Record != "sql" || v.Findings[0].Length != 16 {
		t.Errorf("statement after a 128 KiB repeat: %s", dump(v.Findings))
	}
}

// BenchmarkDetectRLE measures Detect on the crafted worst-case head.
func BenchmarkDetectRLE(b *testing.B) {
	in := &detect.Input{C2S: craftedRLE(), Transport: 6, C2SFull: true}
	b.ReportAllocs()
	b.SetBytes(int64(len(in.C2S)))
	for b.Loop() {
		Detect(in, &detect.Verdict{})
	}
}

// BenchmarkDetectJT400Database measures Detect on the real database flow.
func BenchmarkDetectJT400Database(b *testing.B) {
	in := &detect.Input{C2S: unhex(b, jtDatabaseC2S), S2C: unhex(b, jtDatabaseS2C), Transport: 6}
	b.ReportAllocs()
	for b.Loop() {
		Detect(in, &detect.Verdict{})
	}
}
