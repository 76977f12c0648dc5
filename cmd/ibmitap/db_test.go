package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/store"
)

// TestReadDB: read --db with --format json writes the same records to the
// store and to the file, and the run summary with read's counters; read
// again with --retain, the old records go first.
func TestReadDB(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	out := filepath.Join(dir, "flows.jsonl")
	files, _ := filepath.Glob(filepath.Join(testdataDir, "jt400-*.pcap"))
	args := append([]string{"read", "--db", db, "--sensor", "lpar-a", "--format", "json", "-o", out}, files...)
	var stdout, stderr strings.Builder
	if code := run(t.Context(), args, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	jsonl, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var fromStore []byte
	n := 0
	if err := s.Flows(context.Background(), store.Query{}, func(f *record.Flow) error {
		if f.Sensor != "lpar-a" {
			t.Errorf("flow %s: sensor %q", f.CommunityID, f.Sensor)
		}
		n++
		fromStore = record.AppendFlow(fromStore, f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var flowLines, runLine []byte
	for _, l := range bytes.SplitAfter(jsonl, []byte("\n")) {
		if bytes.Contains(l, []byte(`"schema":"ibmitap.run/1"`)) {
			runLine = l
		} else {
			flowLines = append(flowLines, l...)
		}
	}
	if n == 0 || !sameLines(flowLines, fromStore) {
		t.Fatalf("store holds %d records that differ from the JSON output", n)
	}
	runs, err := s.Runs(context.Background(), store.Query{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	r := runs[0]
	if r.Sensor != "lpar-a" || len(r.Inputs) != len(files) || r.Flows != uint64(n) || r.Packets == 0 ||
		r.Decoded == 0 || r.Start == "" || r.End < r.Start || r.PayloadBytes == 0 {
		t.Fatalf("run summary %+v", r)
	}
	if got := record.AppendRun(nil, &r); !bytes.Equal(got, runLine) {
		t.Errorf("stored run:\n%s\nJSON output's run line:\n%s", got, runLine)
	}
	if !strings.Contains(stderr.String(), "store: written=") {
		t.Errorf("no store counters on stderr: %s", stderr.String())
	}

	// The captures are from 2026-11, more than a day ago: a retention of
	// one day empties the store before the second run writes one file.
	args = []string{"read", "--db", db, "--retain", "24h", "--sensor", "lpar-a", "--format", "csv", "-o", filepath.Join(dir, "x.csv"), files[0]}
	stderr.Reset()
	if code := run(t.Context(), args, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "retention: deleted") {
		t.Errorf("stderr: %s", stderr.String())
	}
	left := 0
	s.Flows(context.Background(), store.Query{}, func(*record.Flow) error { left++; return nil })
	runs, _ = s.Runs(context.Background(), store.Query{})
	if left == 0 || left >= n || len(runs) != 1 || len(runs[0].Inputs) != 1 {
		t.Fatalf("after retention and a second run: %d flows (first run %d), %d runs", left, n, len(runs))
	}
}

func sameLines(a, b []byte) bool {
	as, bs := strings.Split(strings.TrimSpace(string(a)), "\n"), strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(as) != len(bs) {
		return false
	}
	seen := map[string]int{}
	for _, l := range as {
		seen[l]++
	}
	for _, l := range bs {
		if seen[l] == 0 {
			return false
		}
		seen[l]--
	}
	return true
}

// TestReadDBErrors: a bad DSN, a file that is not a store, --retain
// without --db fail at start, before any reading.
func TestReadDBErrors(t *testing.T) {
	dir := t.TempDir()
	notStore := filepath.Join(dir, "x.db")
	os.WriteFile(notStore, bytes.Repeat([]byte("text\n"), 200), 0o644)
	file := filepath.Join(testdataDir, "jt400-plain-signon.pcap")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--db", "x.txt"}, exitError, "unknown DSN"},
		{[]string{"--db", notStore}, exitError, "x.db: not an ibmitap store: file is not a database"},
		{[]string{"--retain", "24h"}, exitUsage, "needs --db"},
	} {
		var stdout, stderr strings.Builder
		args := append(append([]string{"read"}, c.args...), file)
		if code := run(t.Context(), args, nil, &stdout, &stderr); code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: output written although the store failed", c.args)
		}
	}
}
