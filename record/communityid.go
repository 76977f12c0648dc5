package record

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
)

// CommunityID computes the Community ID v1 (seed 0) of a flow, the
// cross-tool flow hash used by Zeek and Suricata: "1:" + base64(SHA-1(seed,
// smaller endpoint's address, other address, protocol, pad, ports)).
func CommunityID(transport uint8, a, b netip.AddrPort) string {
	aa, ba := a.Addr().Unmap(), b.Addr().Unmap()
	pa, pb := a.Port(), b.Port()
	if ba.Less(aa) || (aa == ba && pb < pa) {
		aa, ba, pa, pb = ba, aa, pb, pa
	}
	buf := make([]byte, 0, 2+16+16+2+4)
	buf = binary.BigEndian.AppendUint16(buf, 0) // seed
	buf = append(buf, aa.AsSlice()...)
	buf = append(buf, ba.AsSlice()...)
	buf = append(buf, transport, 0)
	buf = binary.BigEndian.AppendUint16(buf, pa)
	buf = binary.BigEndian.AppendUint16(buf, pb)
	sum := sha1.Sum(buf)
	return "1:" + base64.StdEncoding.EncodeToString(sum[:])
}
