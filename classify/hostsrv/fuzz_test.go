package hostsrv

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// fuzzInput packs a two-direction head into one fuzz input: a uint16 split
// offset, a flag byte (1 mid-stream, 2 C2S full, 4 C2S hole), then C2S and S2C.
func fuzzInput(c2s, s2c []byte, mid, full bool) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(c2s)))
	var flags byte
	if mid {
		flags |= 1
	}
	if full {
		flags |= 2
	}
	b = append(b, flags)
	b = append(b, c2s...)
	return append(b, s2c...)
}

func unpack(b []byte) *detect.Input {
	if len(b) < 3 {
		return nil
	}
	split, flags := int(binary.BigEndian.Uint16(b)), b[2]
	b = b[3:]
	split = min(split, len(b))
	return &detect.Input{C2S: b[:split], S2C: b[split:], Transport: 6, ServerPort: 8471,
		MidStream: flags&1 != 0, C2SFull: flags&2 != 0, C2SHole: flags&4 != 0}
}

func FuzzHostsrvDetect(f *testing.F) {
	for _, tt := range detectCases(f) {
		f.Add(fuzzInput(tt.c2s, tt.s2c, tt.mid, tt.full))
	}
	for _, fl := range [][2]string{{jtDatabaseC2S, jtDatabaseS2C}, {jtRmtCmdC2S, jtRmtCmdS2C}, {jtSignonDESC2S, jtSignonDESS2C}} {
		f.Add(fuzzInput(unhex(f, fl[0]), unhex(f, fl[1]), false, false))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := unpack(b)
		if in == nil {
			return
		}
		var v detect.Verdict
		if !Detect(in, &v) {
			if v.Protocol != "" || len(v.Findings) > 0 {
				t.Fatalf("rejected but filled the verdict: %+v", v)
			}
			return
		}
		if msg := checkMasked(in, &v); msg != "" {
			t.Fatalf("%s: %+v", msg, v)
		}
		if v.Protocol != Protocol || v.Service == "" {
			t.Fatalf("recognised without a service: %+v", v)
		}
		for _, f := range v.Findings {
			if f.Kind == "" || f.Severity == "" || f.Message == "" || f.Length < 0 || f.Count < 1 {
				t.Fatalf("incomplete finding %+v", f)
			}
		}
	})
}

// FuzzMessages exercises the framing parsers on their own.
func FuzzMessages(f *testing.F) {
	for _, tt := range detectCases(f) {
		f.Add(tt.c2s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		for h, msg := range Messages(b) {
			if uint64(len(msg)) != uint64(h.Length) || h.ParamStart() > len(msg) {
				t.Fatalf("message of %d bytes with header %+v", len(msg), h)
			}
			n += len(msg)
			for range Params(msg[h.ParamStart():]) {
			}
			Chain(msg[h.ParamStart():])
		}
		if n > len(b) {
			t.Fatalf("messages cover %d of %d bytes", n, len(b))
		}
		// Skipping a prefix of the RLE stream lands where reading it does.
		all := decodeRLE(b, 4096, 4096)
		for _, n := range []int{0, 1, 5, len(all) / 2, len(all)} {
			n = min(n, len(all))
			r := rle{src: b, left: 4096}
			rest := make([]byte, len(all))
			if !r.skip(n) {
				t.Fatalf("skip(%d) of %d decoded bytes failed", n, len(all))
			}
			if got := rest[:r.read(rest)]; !bytes.Equal(got, all[n:]) {
				t.Fatalf("after skip(%d): % X, want % X", n, got, all[n:])
			}
		}
	})
}
