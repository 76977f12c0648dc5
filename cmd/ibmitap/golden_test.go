package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const testdataDir = "../../testdata"

// captures lists the bundled captures (pcap, pcapng, gzip'd).
func captures(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcapng", "*.pcap.gz", "*.pcapng.gz"} {
		m, err := filepath.Glob(filepath.Join(testdataDir, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no captures under testdata")
	}
	return files
}

func readCapture(t *testing.T, format string, files ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"read", "--format", format}, files...)
	code = run(context.Background(), args, nil, &out, &errb)
	return out.String(), errb.String(), code
}

// TestGolden runs every bundled capture through `ibmitap read --format json`
// and compares the flow records with testdata/golden/NAME.jsonl.
func TestGolden(t *testing.T) {
	for _, file := range captures(t) {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			out, errs, code := readCapture(t, "json", file)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden := filepath.Join(testdataDir, "golden", name+".jsonl")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/ibmitap -run TestGolden -update)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s (rerun with -update after checking):\n--- got\n%s\n--- want\n%s", golden, out, want)
			}
		})
	}
}

// secrets returns every fake password used to record the captures.
func secrets(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, "secrets.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			s = append(s, l)
		}
	}
	if len(s) == 0 {
		t.Fatal("secrets.txt lists no password")
	}
	return s
}

// TestNoSecretsInOutput proves that no password used in the captures appears
// in any output format, in diagnostics or in a golden file.
func TestNoSecretsInOutput(t *testing.T) {
	pw := secrets(t)
	files := captures(t)
	var texts []string
	for _, format := range []string{"json", "csv", "table"} {
		out, errs, _ := readCapture(t, format, files...)
		texts = append(texts, out, errs)
	}
	texts = append(texts, reportTexts(t, files)...)
	goldens, _ := filepath.Glob(filepath.Join(testdataDir, "golden", "*"))
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	for _, text := range texts {
		for _, p := range pw {
			if strings.Contains(text, p) {
				t.Errorf("password %q appears in the output", p)
			}
		}
	}
}

// reportTexts renders the compliance report of files in every format
// (stdout and stderr), for the no-secrets checks.
func reportTexts(t *testing.T, files []string) []string {
	t.Helper()
	var texts []string
	for _, format := range reportFormats {
		var out, errb bytes.Buffer
		args := append([]string{"report", "--format", format}, files...)
		run(context.Background(), args, nil, &out, &errb)
		if out.Len() == 0 {
			t.Errorf("report --format %s wrote nothing: %s", format, errb.String())
		}
		texts = append(texts, out.String(), errb.String())
	}
	return texts
}
