package detecttest

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

func TestUnhex(t *testing.T) {
	if got := Unhex(t, "16 03\n01\t00"); !bytes.Equal(got, []byte{0x16, 3, 1, 0}) {
		t.Errorf("Unhex = % x", got)
	}
}

func TestLoadFollow(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("0102\n\t0a0b\n03\n"), 0o644)
	c, s := LoadFollow(t, p)
	if !bytes.Equal(c, []byte{1, 2, 3}) || !bytes.Equal(s, []byte{10, 11}) {
		t.Errorf("LoadFollow = % x / % x", c, s)
	}
}

func TestSecrets(t *testing.T) {
	s := Secrets(t, "extra")
	if len(s) < 5 || s[0] != "extra" {
		t.Errorf("Secrets = %v", s)
	}
}

func TestStrings(t *testing.T) {
	v := detect.Verdict{Protocol: "p", User: "u", TLS: detect.TLSInfo{SNI: "sni", ALPN: []string{"h2"}},
		Findings: []detect.Finding{{Kind: "k", Mechanism: "m"}},
		Learn:    []detect.Mapping{{Service: "svc"}},
		Expect:   []detect.Expectation{{Addr: netip.MustParseAddr("192.0.2.7"), Service: "ftp-data"}}}
	got := strings.Join(Strings(&v), ",")
	for _, want := range []string{"p", "u", "sni", "h2", "k", "m", "svc", "192.0.2.7", "ftp-data"} {
		if !strings.Contains(","+got+",", ","+want+",") {
			t.Errorf("Strings misses %q: %s", want, got)
		}
	}
}

func TestOther(t *testing.T) {
	pw := []byte("ax\x00\r\n")
	o := Other(pw)
	for i := range pw {
		if o[i] == pw[i] || o[i] != 'x' && o[i] != 'y' {
			t.Fatalf("Other(%q) = %q", pw, o)
		}
	}
}
