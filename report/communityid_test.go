package report

import (
	"net/netip"
	"testing"
)

// The expected values are the Community ID spec's published examples
// (corelight/community-id-spec baseline, seed 0).
func TestCommunityID(t *testing.T) {
	tests := []struct {
		proto uint8
		a, b  string
		want  string
	}{
		{6, "128.232.110.120:34855", "66.35.250.204:80", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{6, "66.35.250.204:80", "128.232.110.120:34855", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{17, "192.168.1.52:54585", "8.8.8.8:53", "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
	}
	for _, tt := range tests {
		got := CommunityID(tt.proto, netip.MustParseAddrPort(tt.a), netip.MustParseAddrPort(tt.b))
		if got != tt.want {
			t.Errorf("CommunityID(%d, %s, %s) = %s, want %s", tt.proto, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCSVCellDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(1)": "'=HYPERLINK(1)", "@x": "'@x", "alice": "alice", "": ""} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
	if got := printable("bob\x1b[2J"); got != "bob?[2J" {
		t.Errorf("printable = %q", got)
	}
}
