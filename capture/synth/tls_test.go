package synth_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/ibmitap/ibmitap/capture/synth"
)

func TestClientHello(t *testing.T) {
	for _, sni := range []string{"ibmi.example.com", ""} {
		b := synth.ClientHello(sni, 7)
		if b[0] != 0x16 || int(binary.BigEndian.Uint16(b[3:])) != len(b)-5 {
			t.Fatalf("record header % x, length %d", b[:5], len(b))
		}
		if b[5] != 1 || int(b[6])<<16|int(b[7])<<8|int(b[8]) != len(b)-9 {
			t.Fatalf("handshake header % x", b[5:9])
		}
		// Walk to the extensions: version, random, session ID, suites, compression.
		p := 9 + 2 + 32
		p += 1 + int(b[p])
		p += 2 + int(binary.BigEndian.Uint16(b[p:]))
		p += 1 + int(b[p])
		if int(binary.BigEndian.Uint16(b[p:])) != len(b)-p-2 {
			t.Fatalf("extensions length %d, %d bytes left", binary.BigEndian.Uint16(b[p:]), len(b)-p-2)
		}
		if got := bytes.Contains(b, []byte(sni)) && sni != ""; got != (sni != "") {
			t.Errorf("SNI %q present: %v", sni, got)
		}
		if !bytes.Equal(b, synth.ClientHello(sni, 7)) || bytes.Equal(b, synth.ClientHello(sni, 8)) {
			t.Error("seed does not determine the hello")
		}
	}
	sh := synth.ServerHello(1)
	if sh[0] != 0x16 || sh[5] != 2 {
		t.Fatalf("server hello % x", sh[:6])
	}
	n := 5 + int(binary.BigEndian.Uint16(sh[3:]))
	if !bytes.Equal(sh[n:n+6], []byte{0x14, 3, 3, 0, 1, 1}) || sh[n+6] != 0x17 {
		t.Errorf("after the ServerHello: % x", sh[n:n+7])
	}
}
