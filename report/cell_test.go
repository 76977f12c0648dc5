package report

import "testing"

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
