package tls

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func FuzzClientHello(f *testing.F) {
	for _, tc := range recorded {
		f.Add(readHex(f, tc.name+".c2s.hex"))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, ok := ParseClientHello(b)
		if !ok {
			if ch.Version != 0 || ch.SNI != "" || ch.ALPN != nil {
				t.Fatalf("not ok but filled: %+v", ch)
			}
			return
		}
		if ch.Highest < ch.Version && !ch.SSLv2 && ch.Highest != 0 {
			// supported_versions may list only older versions; that is
			// legal, just note it must stay a known version.
			if knownVersion(int(ch.Highest)) == 0 {
				t.Fatalf("unknown highest version %#x", ch.Highest)
			}
		}
		if ch.SNI != "" && !printable([]byte(ch.SNI)) {
			t.Fatalf("unprintable SNI %q", ch.SNI)
		}
		if len(ch.ALPN) > maxALPN {
			t.Fatalf("%d ALPN entries", len(ch.ALPN))
		}
		var v detect.Verdict
		Detect(&detect.Input{C2S: b, S2C: b, MidStream: true}, &v)
	})
}

func FuzzServerHello(f *testing.F) {
	for _, tc := range recorded {
		f.Add(readHex(f, tc.name+".s2c.hex"))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sh, ok := ParseServerHello(b)
		if !ok && sh != (ServerHello{}) {
			t.Fatalf("not ok but filled: %+v", sh)
		}
		if ok && sh.Alert && sh.Negotiated != 0 {
			t.Fatalf("alert with a version: %+v", sh)
		}
		var info detect.TLSInfo
		Inspect(b, b, &info)
	})
}
