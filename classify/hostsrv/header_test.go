package hostsrv

import (
	"bytes"
	"testing"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		ok   bool
		want Header
	}{
		{"A.5 0x7001", hx7001, true, Header{Length: 28, ClientAttr: 3, ServerID: 0xE008, TemplateLen: 8, ID: 0x7001}},
		{"A.5 0xF001", hxF001, true, Header{Length: 32, ClientAttr: 3, ServerAttr: 3, ServerID: 0xE008, TemplateLen: 12, ID: 0xF001}},
		{"A.3 0x7004", hx7004DES, true, Header{Length: 68, ServerID: 0xE009, Correlation: 1, TemplateLen: 1, ID: 0x7004}},
		{"A.9 end job", hx7006, true, Header{Length: 20, ServerID: 0xE009, ID: 0x7006}},
		{"short", "00 00 00 14 00 00 E0 09 00 00", false, Header{}},
		{"server 0xE001", "00 00 00 14 00 00 E0 01 00 00 00 00 00 00 00 00 00 00 70 06", false, Header{}},
		{"server 0xE00C", "00 00 00 14 00 00 E0 0C 00 00 00 00 00 00 00 00 00 00 70 06", false, Header{}},
		{"length 19", "00 00 00 13 00 00 E0 09 00 00 00 00 00 00 00 00 00 00 70 06", false, Header{}},
		{"length 16 MiB + 1", "01 00 00 01 00 00 E0 09 00 00 00 00 00 00 00 00 00 00 70 06", false, Header{}},
		{"template past the end", "00 00 00 14 00 00 E0 09 00 00 00 00 00 00 00 00 00 01 70 06", false, Header{}},
	}
	for _, tt := range tests {
		h, ok := ParseHeader(unhex(t, tt.hex))
		if ok != tt.ok || h != tt.want {
			t.Errorf("%s: ParseHeader = %+v, %v; want %+v, %v", tt.name, h, ok, tt.want, tt.ok)
		}
	}
}

func TestMessages(t *testing.T) {
	b := cat(t, hx7003, hx7004SHA1, hx7006)
	var ids []uint16
	n := 0
	for h, msg := range Messages(append(b, b[:30]...)) { // a cut message at the end is not yielded
		ids = append(ids, h.ID)
		n += len(msg)
	}
	if len(ids) != 3 || ids[0] != 0x7003 || ids[1] != 0x7004 || ids[2] != 0x7006 || n != len(b) {
		t.Errorf("Messages yielded %X covering %d of %d bytes", ids, n, len(b))
	}
	for h := range Messages([]byte("GET / HTTP/1.1\r\nHost: x\r\n")) {
		t.Errorf("Messages yielded %+v from HTTP", h)
	}
}

func TestParams(t *testing.T) {
	msg := unhex(t, hx7004DES)
	type p struct {
		cp uint16
		n  int
	}
	var got []p
	for cp, d := range Params(msg[21:]) {
		got = append(got, p{cp, len(d)})
	}
	want := []p{{0x1113, 4}, {0x1105, 8}, {0x1104, 10}, {0x1128, 1}}
	if len(got) != len(want) {
		t.Fatalf("Params = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("Params = %v, want %v", got, want)
		}
	}
	if n, ok := Chain(msg[21:]); n != 4 || !ok {
		t.Errorf("Chain = %d, %v; want 4, true", n, ok)
	}
	if n, ok := Chain(msg[21 : len(msg)-1]); n != 3 || ok {
		t.Errorf("Chain of a cut chain = %d, %v; want 3, false", n, ok)
	}
	if _, ok := Chain(unhex(t, "00 00 00 05 11 01 00")); ok {
		t.Error("Chain accepted LL 5")
	}
}

// decodeRLE reads up to max bytes from an RLE stream.
func decodeRLE(src []byte, limit, max int) []byte {
	r := rle{src: src, left: limit}
	var out []byte
	for len(out) < max {
		c, ok := r.next()
		if !ok {
			break
		}
		out = append(out, c)
	}
	return out
}

func TestRLE(t *testing.T) {
	tests := []struct {
		src, want []byte
		limit     int
	}{
		{[]byte{1, 2, 0x1B, 0x1B, 3}, []byte{1, 2, 0x1B, 3}, 100},
		{[]byte{0x1B, 0x00, 0x20, 0x00, 0x03, 9}, []byte{0, 0x20, 0, 0x20, 0, 0x20, 9}, 100},
		{[]byte{0x1B, 0x00, 0x20, 0xFF, 0xFF}, bytes.Repeat([]byte{0, 0x20}, 5), 10},
		{[]byte{0x1B, 0x00, 0x20, 0x00, 0x00, 0x1B, 0x00, 0x20, 0x00, 0x01, 5}, []byte{0, 0x20, 5}, 100}, // empty repeat
		{[]byte{7, 0x1B, 0x00}, []byte{7}, 100},                                                          // cut escape
		{[]byte{1, 2, 3}, nil, 0},
	}
	for _, tt := range tests {
		if got := decodeRLE(tt.src, tt.limit, 1<<20); !bytes.Equal(got, tt.want) {
			t.Errorf("rle(% X, %d) = % X, want % X", tt.src, tt.limit, got, tt.want)
		}
		// Skipping any prefix lands where reading it would.
		for n := 0; n <= len(tt.want); n++ {
			r := rle{src: tt.src, left: tt.limit}
			if !r.skip(n) {
				t.Fatalf("skip(%d) over % X failed", n, tt.src)
			}
			rest := make([]byte, len(tt.want))
			if got := rest[:r.read(rest)]; !bytes.Equal(got, tt.want[n:]) {
				t.Errorf("after skip(%d) over % X read % X, want % X", n, tt.src, got, tt.want[n:])
			}
		}
		r := rle{src: tt.src, left: tt.limit}
		if r.skip(len(tt.want) + 1) {
			t.Errorf("skip past the end of % X succeeded", tt.src)
		}
	}
	// A repeat declaring 4 GiB is skipped in one step.
	r := rle{src: bytes.Repeat([]byte{0x1B, 0, 0, 0xFF, 0xFF}, 10), left: 1 << 32}
	if !r.skip(10*2*0xFFFF) || r.skip(1) {
		t.Error("skip over ten full repeats")
	}
}

func TestServiceName(t *testing.T) {
	want := map[uint16]string{0xE000: "as-central", 0xE001: "", 0xE002: "as-file", 0xE003: "as-netprt",
		0xE004: "as-database", 0xE005: "as-database", 0xE006: "as-database", 0xE007: "as-dtaq",
		0xE008: "as-rmtcmd", 0xE009: "as-signon", 0xE00A: "as-database", 0xE00B: "as-hostcnn", 0xE00C: ""}
	for id, name := range want {
		if got := ServiceName(id); got != name {
			t.Errorf("ServiceName(%#04x) = %q, want %q", id, got, name)
		}
	}
}

func TestAuthFailure(t *testing.T) {
	tests := []struct {
		rc   uint32
		want string
		ok   bool
	}{
		{0, "", false},
		{0x0003000B, "password incorrect", true},
		{0x0003000C, "password incorrect, profile will be disabled on next failure", true},
		{0x00020001, "user ID unknown", true},
		{0x00020002, "user profile disabled", true},
		{0x0003000D, "password expired", true},
		{0x00030005, "new password not valid", true},
		{0x00060003, "profile token or Kerberos ticket not valid", true},
		{0x00010004, "", false}, // seed not valid: a protocol error
		{0x00040001, "", false},
	}
	for _, tt := range tests {
		got, ok := authFailure(tt.rc)
		if got != tt.want || ok != tt.ok {
			t.Errorf("authFailure(%#08x) = %q, %v; want %q, %v", tt.rc, got, ok, tt.want, tt.ok)
		}
	}
}

func TestKnownID(t *testing.T) {
	tests := []struct {
		sid, id uint16
		reply   bool
		want    bool
	}{
		{ServerSQL, 0x1803, false, true},
		{ServerSQL, 0x2800, true, true},
		{ServerSQL, 0x1803, true, false},
		{ServerRmtCmd, 0x1002, false, true},
		{ServerRmtCmd, 0x8002, true, true},
		{ServerSignon, 0x7004, false, true},
		{ServerSignon, 0xF004, true, true},
		{ServerSignon, 0x7104, false, false},
		{ServerHostCnn, 0x7105, false, true},
		{ServerFile, 0x0016, false, true},
		{ServerDataQ, 0x8003, true, true},
		{ServerCentral, 0x1201, false, true},
		{ServerSQL, 0x4745, false, false},
	}
	for _, tt := range tests {
		if got := KnownID(Header{ServerID: tt.sid, ID: tt.id}, tt.reply); got != tt.want {
			t.Errorf("KnownID(%#04x, %#04x, reply %v) = %v, want %v", tt.sid, tt.id, tt.reply, got, tt.want)
		}
	}
}
