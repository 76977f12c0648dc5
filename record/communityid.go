package record

import (
	"crypto/sha1"
	"encoding/base64"
	"net/netip"
)

// CommunityID computes the Community ID v1 (seed 0) of a flow, the
// cross-tool flow hash used by Zeek and Suricata: "1:" + base64(SHA-1(seed,
// smaller endpoint's address, other address, protocol, pad, ports)).
func CommunityID(transport uint8, a, b netip.AddrPort) string {
	var buf [40]byte
	return string(AppendCommunityID(buf[:0], transport, a, b))
}

// AppendCommunityID appends the Community ID of a flow to dst without
// allocating: the hash input and the digest live on the stack.
func AppendCommunityID(dst []byte, transport uint8, a, b netip.AddrPort) []byte {
	aa, ba := a.Addr().Unmap(), b.Addr().Unmap()
	pa, pb := a.Port(), b.Port()
	if ba.Less(aa) || (aa == ba && pb < pa) {
		aa, ba, pa, pb = ba, aa, pb, pa
	}
	var in [2 + 16 + 16 + 2 + 4]byte // seed 0, addresses, protocol, pad, ports
	n := 2
	n += putAddr(in[n:], aa)
	n += putAddr(in[n:], ba)
	in[n], in[n+1] = transport, 0
	in[n+2], in[n+3] = byte(pa>>8), byte(pa)
	in[n+4], in[n+5] = byte(pb>>8), byte(pb)
	n += 6
	sum := sha1.Sum(in[:n])
	var out [28]byte
	base64.StdEncoding.Encode(out[:], sum[:])
	dst = append(dst, '1', ':')
	return append(dst, out[:]...)
}

// putAddr writes a's 4 or 16 bytes (none for an invalid address, as
// AsSlice) and returns how many.
func putAddr(b []byte, a netip.Addr) int {
	switch {
	case a.Is4():
		x := a.As4()
		return copy(b, x[:])
	case a.Is6():
		x := a.As16()
		return copy(b, x[:])
	}
	return 0
}
