package portmap

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// FuzzPortmapDetect splits the input at its first byte (a split offset) into
// the two directions; the second byte is flags: 1 server port 449 (else
// 4449), 2 mid-stream.
func FuzzPortmapDetect(f *testing.F) {
	f.Add([]byte("\x09\x01as-signon+\x00\x00\x21\x1c"))
	f.Add([]byte("\x0b\x00as-signon-s+\x00\x00\x25\x04"))
	f.Add([]byte("\x06\x01drda-s-"))
	f.Add([]byte("\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 2 {
			return
		}
		split, flags, port := int(b[0]), b[1], uint16(449)
		if flags&1 == 0 {
			port = 4449
		}
		b = b[2:]
		if split > len(b) {
			split = len(b)
		}
		in := &detect.Input{C2S: b[:split], S2C: b[split:], ServerPort: port, Transport: 6, MidStream: flags&2 != 0}
		var v detect.Verdict
		if Detect(in, &v) {
			if v.PortmapRequest == "" || v.Service != Service {
				t.Fatalf("recognised without a request: %+v", v)
			}
			if len(v.Learn) > 0 && v.Learn[0].Port == 0 {
				t.Fatalf("learned port 0")
			}
		}
		ParseReply(b)
		ParseRequest(b)
	})
}
