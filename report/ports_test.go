package report

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ibmitap/ibmitap/catalog"
)

func TestPorts(t *testing.T) {
	c := catalog.Default()
	var es []catalog.Entry
	for _, q := range []string{"8471", "9476", "21", "6346", "449", "137", "2350"} {
		f, err := c.Find(q)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, f...)
	}
	es = append(es, catalog.Entry{Name: "as-signon", Proto: catalog.TCP, Port: 18476, PortHigh: 18476,
		Host: netip.MustParseAddr("10.1.2.3"), Source: "site", IBMi: true, TLSTwin: "as-signon-s", TLSTwinPort: 9476})
	var b bytes.Buffer
	if err := Ports(&b, es); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	t.Log("\n" + out)
	for _, want := range []string{
		"PORT", "FUNCTIONS", "8471/tcp", "as-database", "as-database-s", "9471", // plain entry names its twin
		"9476/tcp", "as-signon-s", "ftps 990; AUTH", "6346/tcp", "gnutella", "GNUtella: peer-to-peer", "449/tcp",
		"as-svrmap", "137/udp", "netbios-ns", "2300-2400/tcp", "0-1023/udp", "@10.1.2.3", "site", "Data Transfer",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for i, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n > 120 {
			t.Errorf("line %d is %d columns wide: %q", i+1, n, line)
		}
	}
	// TLS column: "yes" on a TLS port, empty for the port mapper (no twin)
	tlsCol := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		cols := strings.Split(line, "│")
		if len(cols) == 9 && strings.TrimSpace(cols[2]) != "" {
			tlsCol[strings.TrimSpace(cols[1])+" "+strings.TrimSpace(cols[2])] = strings.TrimSpace(cols[4])
		}
	}
	for row, want := range map[string]string{"449/tcp as-svrmap": "", "9476/tcp as-signon-s": "yes",
		"8471/tcp as-database": "as-database-s", "6346/udp gnutella": ""} {
		if got, ok := tlsCol[row]; !ok || got != want {
			t.Errorf("TLS column of %s = %q (found %v), want %q", row, got, ok, want)
		}
	}
}

func TestPortsWrap(t *testing.T) {
	tests := []struct {
		in     string
		w, max int
		want   string
	}{
		{"", 5, 2, ""},
		{"a b c", 5, 2, "a b c"},
		{"hello world", 5, 3, "hello\nworld"},
		{"abcdefghij", 4, 3, "abcd\nefgh\nij"},
		{"one two three four", 5, 2, "one\ntwo…"}, {"abcde fg", 5, 1, "abcd…"},
		{"ünïcödé wörds", 7, 2, "ünïcödé\nwörds"},
	}
	for _, tt := range tests {
		if got := portsWrap(tt.in, tt.w, tt.max); got != tt.want {
			t.Errorf("portsWrap(%q, %d, %d) = %q, want %q", tt.in, tt.w, tt.max, got, tt.want)
		}
	}
}

func TestPortsEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := Ports(&b, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "PORT") {
		t.Errorf("empty table lacks the header: %q", b.String())
	}
}
