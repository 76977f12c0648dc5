package detecttest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
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
