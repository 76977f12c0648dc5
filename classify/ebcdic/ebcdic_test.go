package ebcdic

import "testing"

func TestDecodeName(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
		ok   bool
	}{
		// "MYUSER" padded to 10 with EBCDIC blanks, as JTOpen sends CP 0x1104.
		{[]byte{0xD4, 0xE8, 0xE4, 0xE2, 0xC5, 0xD9, 0x40, 0x40, 0x40, 0x40}, "MYUSER", true},
		{[]byte{0xC1, 0xD7, 0xD7, 0x5B, 0xF1}, "APP$1", true},
		{[]byte("MYUSER"), "", false}, // ASCII is not EBCDIC letters
		{[]byte{0x40, 0x40}, "", false},
		{nil, "", false},
	}
	for _, tt := range tests {
		got, ok := DecodeName(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("DecodeName(% x) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDecode(t *testing.T) {
	// "SELECT * FROM T" in CCSID 37.
	in := []byte{0xE2, 0xC5, 0xD3, 0xC5, 0xC3, 0xE3, 0x40, 0x5C, 0x40, 0xC6, 0xD9, 0xD6, 0xD4, 0x40, 0xE3, 0x00}
	if got, want := Decode(in), "SELECT * FROM T."; got != want {
		t.Errorf("Decode = %q, want %q", got, want)
	}
}
