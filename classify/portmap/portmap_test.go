package portmap

import (
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		port uint16
		st   Status
	}{
		// Appendix A.1 and §3.2 (default ports).
		{"as-signon", "2B 00 00 21 1C", 8476, Success},
		{"as-signon-s", "2B 00 00 25 04", 9476, Success},
		{"as-hostcnn-s", "2B 00 00 25 08", 9480, Success},
		{"drda", "2B 00 00 01 BE", 446, Success},
		{"empty", "", 0, Incomplete},
		{"short success", "2B 00 00", 0, Incomplete},
		{"failure 1 byte", "2D", 0, Failure},
		{"failure 5 bytes", "2D 00 00 00 00", 0, Failure},
		{"failure too long", "2D 45 52 52 20 6E 6F", 0, Invalid},
		{"port above 65535", "2B 00 01 00 00", 0, Invalid},
		{"port 0", "2B 00 00 00 00", 0, Invalid},
		{"trailing bytes", "2B 00 00 21 1C 00", 0, Invalid},
		{"http", "48 54 54 50 2F", 0, Invalid},
	}
	for _, tt := range tests {
		port, st := ParseReply(unhex(t, tt.hex))
		if port != tt.port || st != tt.st {
			t.Errorf("%s: ParseReply = %d, %d; want %d, %d", tt.name, port, st, tt.port, tt.st)
		}
	}
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		in   string
		name string
		ok   bool
	}{
		{"as-signon", "as-signon", true},
		{"as-signon-s", "as-signon-s", true},
		{"as-hostcnn-s", "as-hostcnn-s", true},
		{"drda", "drda", true},
		{"as-database\x00", "as-database", true},
		{"as-rmtcmd\r\n", "as-rmtcmd", true},
		{"a", "", false},
		{"As-signon", "", false},
		{"as signon", "", false},
		{"1as", "", false},
		{"GET / HTTP/1.1\r\n", "", false},
		{strings.Repeat("a", 39), strings.Repeat("a", 39), true},
		{strings.Repeat("a", 40), "", false},
		{"\x00\x00", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		name, ok := ParseRequest([]byte(tt.in))
		if name != tt.name || ok != tt.ok {
			t.Errorf("ParseRequest(%q) = %q, %v; want %q, %v", tt.in, name, ok, tt.name, tt.ok)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name     string
		c2s, s2c string // hex
		port     uint16
		mid      bool
		ok       bool
		request  string
		learn    []detect.Mapping
	}{
		{"as-signon on 449", "61 73 2D 73 69 67 6E 6F 6E", "2B 00 00 21 1C", 449, false, true,
			"as-signon", []detect.Mapping{{Service: "as-signon", Port: 8476}}},
		{"as-signon-s on 449", "61 73 2D 73 69 67 6E 6F 6E 2D 73", "2B 00 00 25 04", 449, false, true,
			"as-signon-s", []detect.Mapping{{Service: "as-signon-s", Port: 9476}}},
		{"request only on 449", "61 73 2D 72 6D 74 63 6D 64", "", 449, false, true, "as-rmtcmd", nil},
		{"failure on 449", "64 72 64 61 2D 73", "2D", 449, false, true, "drda-s", nil},
		{"request only elsewhere", "61 73 2D 72 6D 74 63 6D 64", "", 4449, false, false, "", nil},
		{"failure elsewhere", "64 72 64 61 2D 73", "2D", 4449, false, false, "", nil},
		{"both directions elsewhere", "61 73 2D 64 61 74 61 62 61 73 65", "2B 00 00 21 17", 4449, false, true,
			"as-database", []detect.Mapping{{Service: "as-database", Port: 8471}}},
		// Real JTOpen 9.4 requests from testdata/jt400-remapped.pcap and jt400-tls.pcap.
		{"jt400 remapped as-signon", "61732d7369676e6f6e", "2b0000482c", 449, false, true,
			"as-signon", []detect.Mapping{{Service: "as-signon", Port: 18476}}},
		{"jt400 remapped as-database-s", "61732d64617461626173652d73", "2b00004c0f", 449, false, true,
			"as-database-s", []detect.Mapping{{Service: "as-database-s", Port: 19471}}},
		{"jt400 as-rmtcmd-s", "61732d726d74636d642d73", "2b00002503", 449, false, true,
			"as-rmtcmd-s", []detect.Mapping{{Service: "as-rmtcmd-s", Port: 9475}}},
		{"mid-stream on 449 needs reply", "61 73 2D 72 6D 74 63 6D 64", "", 449, true, false, "", nil},
		{"http on 449", "47 45 54 20 2F 20 48 54 54 50 2F 31 2E 31 0D 0A", "", 449, false, false, "", nil},
		{"tls on 449", "16 03 01 00 2F 01 00 00 2B 03 03", "", 449, false, false, "", nil},
		{"garbage reply on 449", "61 73 2D 73 69 67 6E 6F 6E", "48 54 54 50 2F 31 2E 31", 449, false, false, "", nil},
		{"host server bytes", "00 00 00 1C 03 00 E0 08 00 00 00 00 00 00 00 00 00 08 70 01 00 00 01 A1 FB 3B 20 AD", "", 449, false, false, "", nil},
		{"postgres startup", "00 00 00 08 04 D2 16 2F", "4E", 5432, false, false, "", nil},
	}
	for _, tt := range tests {
		in := &detect.Input{C2S: unhex(t, tt.c2s), S2C: unhex(t, tt.s2c), ServerPort: tt.port, ClientPort: 50000, Transport: 6, MidStream: tt.mid}
		var v detect.Verdict
		ok := Detect(in, &v)
		if ok != tt.ok {
			t.Errorf("%s: Detect = %v, want %v", tt.name, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if v.Protocol != "portmapper" || v.Service != "as-svrmap" || v.PortmapRequest != tt.request {
			t.Errorf("%s: verdict %q %q %q", tt.name, v.Protocol, v.Service, v.PortmapRequest)
		}
		if len(v.Learn) != len(tt.learn) {
			t.Errorf("%s: learn %v, want %v", tt.name, v.Learn, tt.learn)
			continue
		}
		for i := range v.Learn {
			if v.Learn[i] != tt.learn[i] {
				t.Errorf("%s: learn %v, want %v", tt.name, v.Learn, tt.learn)
			}
		}
	}
}

func TestDetectUDP(t *testing.T) {
	in := &detect.Input{C2S: []byte("as-signon"), S2C: unhex(t, "2B 00 00 21 1C"), ServerPort: 449, Transport: 17}
	if Detect(in, &detect.Verdict{}) {
		t.Error("UDP datagrams recognised as the port mapper")
	}
}

// unhex decodes hex fixtures written with white space.
var unhex = detecttest.Unhex
