package smb

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// DetectNetBIOS recognises the NetBIOS name service (UDP 137) and datagram
// service (UDP 138) by the first datagram of either direction: a name-service
// header followed by an encoded NetBIOS name of type NB or NBSTAT, or a
// datagram header with an encoded source name.
func DetectNetBIOS(in *detect.Input, v *detect.Verdict) bool {
	if in.Transport != 17 {
		return false
	}
	for _, b := range [][]byte{in.C2S, in.S2C} {
		if nameService(b) || datagramService(b) {
			v.Protocol = "netbios"
			return true
		}
	}
	return false
}

// nameService checks an NBNS packet (RFC 1002 §4.2): a 12-byte header whose
// opcode is one NetBIOS uses, small record counts, then the first record's
// encoded name with type NB (0x20) or NBSTAT (0x21) and class IN.
func nameService(b []byte) bool {
	if len(b) < 12+34+4 {
		return false
	}
	switch (b[2] >> 3) & 0x0F {
	case 0, 5, 6, 7, 8, 9, 15:
	default:
		return false
	}
	var total int
	for i := 4; i < 12; i += 2 {
		c := int(binary.BigEndian.Uint16(b[i:]))
		if c > 1 {
			return false
		}
		total += c
	}
	if total == 0 {
		return false
	}
	_, rest, ok := netbiosName(b[12:])
	if !ok || len(rest) < 4 {
		return false
	}
	typ, class := binary.BigEndian.Uint16(rest), binary.BigEndian.Uint16(rest[2:])
	return (typ == 0x20 || typ == 0x21) && class == 1
}

// datagramService checks an NBDD packet (RFC 1002 §4.4): direct unique,
// direct group or broadcast datagrams carry the source name at offset 14,
// queries the destination name at offset 10.
func datagramService(b []byte) bool {
	if len(b) < 10+34 {
		return false
	}
	switch b[0] {
	case 0x10, 0x11, 0x12:
		if len(b) < 14+34+34 {
			return false
		}
		_, rest, ok := netbiosName(b[14:])
		if !ok {
			return false
		}
		_, _, ok = netbiosName(rest)
		return ok
	case 0x14, 0x15, 0x16:
		_, _, ok := netbiosName(b[10:])
		return ok
	}
	return false
}

// netbiosName decodes a first-level encoded NetBIOS name (RFC 1001 §14.1): a
// 32-byte label of letters 'A'..'P', each pair one byte, then any scope
// labels up to a zero length. It returns the name as "NAME<xx>" and the bytes
// after it.
func netbiosName(b []byte) (string, []byte, bool) {
	if len(b) < 34 || b[0] != 0x20 {
		return "", nil, false
	}
	var raw [16]byte
	for i := 0; i < 16; i++ {
		hi, lo := b[1+2*i]-'A', b[2+2*i]-'A'
		if hi > 15 || lo > 15 {
			return "", nil, false
		}
		raw[i] = hi<<4 | lo
	}
	rest := b[33:]
	for n := 0; ; n++ {
		if len(rest) == 0 || n > 16 {
			return "", nil, false
		}
		l := int(rest[0])
		if l == 0 {
			rest = rest[1:]
			break
		}
		if l > 63 || l >= len(rest) {
			return "", nil, false
		}
		rest = rest[1+l:]
	}
	name := strings.TrimRight(string(raw[:15]), " ")
	return fmt.Sprintf("%s<%02X>", name, raw[15]), rest, true
}

// RejectNetBIOS reports that DetectNetBIOS cannot match: not UDP.
func RejectNetBIOS(in *detect.Input) bool { return in.Transport != 17 }
