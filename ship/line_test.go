package ship

import (
	"net/netip"
	"testing"
)

// TestAddrKey: a line is keyed exactly as its record would be (Flow keys
// by the record's server text).
func TestAddrKey(t *testing.T) {
	for _, ap := range []netip.AddrPort{
		{},
		netip.MustParseAddrPort("10.1.1.10:8471"),
		netip.MustParseAddrPort("[2001:db8::1]:9471"),
		netip.MustParseAddrPort("[::ffff:10.1.1.10]:449"),
		netip.MustParseAddrPort("[fe80::1%eth0]:23"),
		netip.AddrPortFrom(netip.MustParseAddr("fe80::1").WithZone("a]b:c\"%"), 21),
		netip.AddrPortFrom(netip.IPv6Unspecified(), 0),
	} {
		if got, want := addrKey(ap), hostOf(ap.String()); got != want {
			t.Errorf("%v: key %q, want %q", ap, got, want)
		}
	}
}
