package record

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
