package smb

import (
	"encoding/binary"
	"os"
	"testing"
)

// headLimit is the engine's per-direction head size.
const headLimit = 8192

// flowHeads reads a classic little-endian pcap of Ethernet/IPv4 frames (as
// tcpdump writes on Linux lo) and returns, per flow in order of appearance,
// the first headLimit bytes of each direction, client being the side that
// sent the first packet. UDP datagrams are appended back to back. Enough for
// the loopback captures in testdata, which have no loss or reordering.
func flowHeads(t testing.TB, path string) []heads {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read capture: %v", err)
	}
	if len(data) < 24 || binary.LittleEndian.Uint32(data) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(data[20:]) != 1 {
		t.Fatalf("%s: not a little-endian Ethernet pcap", path)
	}
	type key struct {
		a, b  [6]byte
		proto byte
	}
	index := map[key]int{}
	var out []heads
	for p := 24; p+16 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[p+8:]))
		if p+16+n > len(data) {
			break
		}
		f := data[p+16 : p+16+n]
		p += 16 + n
		if len(f) < 34 || binary.BigEndian.Uint16(f[12:]) != 0x0800 {
			continue
		}
		ip := f[14:]
		ihl := int(ip[0]&15) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if total > len(ip) || ihl < 20 || total < ihl {
			continue
		}
		proto := ip[9]
		l4 := ip[ihl:total]
		var src, dst [6]byte
		copy(src[:4], ip[12:16])
		copy(dst[:4], ip[16:20])
		if len(l4) < 8 {
			continue
		}
		copy(src[4:], l4[0:2])
		copy(dst[4:], l4[2:4])
		var payload []byte
		switch proto {
		case 6:
			off := int(l4[12]>>4) * 4
			if off > len(l4) {
				continue
			}
			payload = l4[off:]
		case 17:
			payload = l4[8:]
		default:
			continue
		}
		k, fromClient := key{src, dst, proto}, true
		i, ok := index[k]
		if !ok {
			if j, ok2 := index[key{dst, src, proto}]; ok2 {
				i, fromClient = j, false
			} else {
				i = len(out)
				index[k] = i
				out = append(out, heads{transport: proto, serverPort: binary.BigEndian.Uint16(dst[4:]), clientPort: binary.BigEndian.Uint16(src[4:])})
			}
		}
		h := &out[i]
		if fromClient {
			h.c2s = appendHead(h.c2s, payload)
		} else {
			h.s2c = appendHead(h.s2c, payload)
		}
	}
	return out
}

type heads struct {
	c2s, s2c               []byte
	transport              uint8
	clientPort, serverPort uint16
}

func appendHead(h, p []byte) []byte {
	if room := headLimit - len(h); room < len(p) {
		p = p[:room]
	}
	return append(h, p...)
}
