package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputKeptOnFailure: -o writes through a temporary file renamed on
// success, so a run that fails (an input that cannot be opened) leaves an
// earlier result untouched and no temporary file behind, and a good run
// replaces it.
func TestOutputKeptOnFailure(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep.jsonl")
	if err := os.WriteFile(keep, []byte("earlier result\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	code := run(t.Context(), []string{"read", "--format", "json", "-o", keep, filepath.Join(dir, "missing.pcap")}, nil, &out, &errb)
	if code != exitError {
		t.Errorf("missing input: exit %d, want %d", code, exitError)
	}
	if b, _ := os.ReadFile(keep); string(b) != "earlier result\n" {
		t.Errorf("the earlier result was changed: %q", b)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".keep.jsonl.tmp*")); len(m) > 0 {
		t.Errorf("temporary files left behind: %v", m)
	}
	code = run(t.Context(), []string{"read", "--format", "json", "-o", keep, filepath.Join(testdataDir, "jt400-plain-signon.pcap")}, nil, &out, &errb)
	if code != exitOK {
		t.Fatalf("good input: exit %d: %s", code, errb.String())
	}
	b, _ := os.ReadFile(keep)
	if !strings.Contains(string(b), `"service":"as-signon"`) {
		t.Errorf("the result was not replaced: %.200q", b)
	}
	if fi, err := os.Stat(keep); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v", fi.Mode(), err)
	}
}

// TestFailOnDamagedInput: a capture cut short whose first flows already
// carry a finding at the threshold exits 3 (the threshold wins over the
// damage, whose error is still printed), and stderr says both.
func TestFailOnDamagedInput(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(testdataDir, "jt400-plain-signon.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(cut, src[:len(src)-7], 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	code := run(t.Context(), []string{"read", "--format", "json", "--fail-on", "high", cut}, nil, &out, &errb)
	if code != exitFindings {
		t.Errorf("exit %d, want %d", code, exitFindings)
	}
	for _, w := range []string{"cut.pcap", "--fail-on high: a finding at or above high was raised"} {
		if !strings.Contains(errb.String(), w) {
			t.Errorf("stderr %q does not say %q", errb.String(), w)
		}
	}
	// Below the threshold the damage decides: exit 1.
	errb.Reset()
	if code := run(t.Context(), []string{"read", "--format", "json", "--fail-on", "critical", cut}, nil, &out, &errb); code != exitError {
		t.Errorf("--fail-on critical: exit %d, want %d", code, exitError)
	}
}
