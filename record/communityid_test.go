package record

import (
	"crypto/sha1"
	"encoding/base64"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// The expected values are the Community ID spec's published examples
// (corelight/community-id-spec baseline, seed 0).
func TestCommunityID(t *testing.T) {
	tests := []struct {
		proto uint8
		a, b  string
		want  string
	}{
		{6, "128.232.110.120:34855", "66.35.250.204:80", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{6, "66.35.250.204:80", "128.232.110.120:34855", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{17, "192.168.1.52:54585", "8.8.8.8:53", "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
	}
	for _, tt := range tests {
		got := CommunityID(tt.proto, netip.MustParseAddrPort(tt.a), netip.MustParseAddrPort(tt.b))
		if got != tt.want {
			t.Errorf("CommunityID(%d, %s, %s) = %s, want %s", tt.proto, tt.a, tt.b, got, tt.want)
		}
	}
}

// The stack version agrees with a plain computation (the bytes the spec
// hashes, built with append) over random v4 and v6 flows, and allocates
// nothing.
func TestAppendCommunityID(t *testing.T) {
	ref := func(proto uint8, a, b netip.AddrPort) string {
		aa, ba, pa, pb := a.Addr().Unmap(), b.Addr().Unmap(), a.Port(), b.Port()
		if ba.Less(aa) || (aa == ba && pb < pa) {
			aa, ba, pa, pb = ba, aa, pb, pa
		}
		in := []byte{0, 0}
		in = append(in, aa.AsSlice()...)
		in = append(in, ba.AsSlice()...)
		in = append(in, proto, 0, byte(pa>>8), byte(pa), byte(pb>>8), byte(pb))
		sum := sha1.Sum(in)
		return "1:" + base64.StdEncoding.EncodeToString(sum[:])
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		var x, y [16]byte
		for i := range x {
			x[i], y[i] = byte(r.IntN(3)), byte(r.IntN(3))
		}
		a, b := netip.AddrFrom16(x), netip.AddrFrom16(y)
		if r.IntN(2) == 0 {
			a, b = netip.AddrFrom4([4]byte(x[:4])), netip.AddrFrom4([4]byte(y[:4]))
		}
		pa, pb := netip.AddrPortFrom(a, uint16(r.IntN(3))), netip.AddrPortFrom(b, uint16(r.IntN(3)))
		proto := []uint8{6, 17}[r.IntN(2)]
		if got, want := CommunityID(proto, pa, pb), ref(proto, pa, pb); got != want {
			t.Fatalf("CommunityID(%d, %v, %v) = %s, want %s", proto, pa, pb, got, want)
		}
	}
	a := netip.MustParseAddrPort("[2001:db8::1]:443")
	b := netip.MustParseAddrPort("[2001:db8::2]:50000")
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = AppendCommunityID(buf[:0], 6, a, b) }); n != 0 {
		t.Errorf("%v allocs", n)
	}
}
