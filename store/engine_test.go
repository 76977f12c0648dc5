package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/ibmitap/ibmitap/record"
)

// engine is one SQL engine under test: dsn gives a fresh, empty store
// location of its own for each call.
type engine struct {
	name string
	dsn  func(t testing.TB) string
}

// engines returns SQLite always and PostgreSQL when IBMITAP_PG_DSN names a
// server. In CI (CI set) a missing server is a failure, never a skip.
func engines(t testing.TB) []engine {
	es := []engine{{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "t.db") }}}
	base := os.Getenv("IBMITAP_PG_DSN")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("IBMITAP_PG_DSN is not set: CI must run the PostgreSQL engine tests (.ci/run starts a server)")
		}
		t.Log("IBMITAP_PG_DSN not set: PostgreSQL engine not tested (set it, or run .ci/run)")
		return es
	}
	return append(es, engine{"postgres", func(t testing.TB) string { return pgSchemaDSN(t, base) }})
}

// pgSchemaDSN creates a schema of the test's own and returns a DSN whose
// search path is that schema, so tests never see each other's tables.
func pgSchemaDSN(t testing.TB, base string) string {
	t.Helper()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	_ = stdlib.GetDefaultDriver()
	schema := fmt.Sprintf("t_%d_%d", time.Now().UnixNano()%1e9, rand.IntN(1e6))
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		t.Fatalf("creating schema on %s: %v", Redact(base), err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// forEngine runs fn as a subtest per engine.
func forEngine(t *testing.T, fn func(t *testing.T, e engine)) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) { fn(t, e) })
	}
}

func open(t *testing.T, dsn string) Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// goldens returns every golden JSON-lines file of the testdata captures:
// the records of real captures.
func goldens(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../testdata/golden/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

func decodeFlows(t *testing.T, name string, b []byte) []record.Flow {
	t.Helper()
	d := record.NewDecoder(name, bytes.NewReader(b))
	var out []record.Flow
	for {
		l, err := d.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatal(err)
		}
		if l.Flow != nil {
			out = append(out, *l.Flow)
		}
	}
}

// sortedLines returns the JSON lines in the store's order.
func sortedLines(fs []record.Flow) []byte {
	idx := make([]int, len(fs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := &fs[idx[a]], &fs[idx[b]]
		tx, _ := parseTime(x.Start)
		ty, _ := parseTime(y.Start)
		if tx != ty {
			return tx < ty
		}
		if x.CommunityID != y.CommunityID {
			return x.CommunityID < y.CommunityID
		}
		return x.Sensor < y.Sensor
	})
	var out []byte
	for _, i := range idx {
		out = record.AppendFlow(out, &fs[i])
	}
	return out
}

func readAll(t *testing.T, s Store, q Query) []record.Flow {
	t.Helper()
	var out []record.Flow
	if err := s.Flows(context.Background(), q, func(f *record.Flow) error {
		out = append(out, *f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, s Store, table string) int {
	t.Helper()
	var n int
	if err := s.(*sqlStore).db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRoundTrip stores the records of every testdata capture and reads
// them back: the same records, byte for byte.
func TestRoundTrip(t *testing.T) {
	gs := goldens(t)
	forEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := open(t, e.dsn(t))
		id, err := s.BeginRun(ctx, record.Run{Schema: record.RunSchema, Sensor: "s1", CaptureLoss: -1})
		if err != nil {
			t.Fatal(err)
		}
		var all []record.Flow
		wantFindings := 0
		for name, b := range gs {
			fs := decodeFlows(t, name, b)
			for i := range fs {
				wantFindings += len(fs[i].Findings)
			}
			if err := s.WriteFlows(ctx, id, fs); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			all = append(all, fs...)
		}
		got := readAll(t, s, Query{})
		if g, w := sortedLines(got), sortedLines(all); !bytes.Equal(g, w) {
			t.Fatalf("read back %d records, wrote %d; first difference:\n%s", len(got), len(all), firstDiff(g, w))
		}
		// Raw: what the store hands out encodes to exactly the golden lines.
		var raw []byte
		for i := range got {
			raw = record.AppendFlow(raw, &got[i])
		}
		if !bytes.Equal(raw, sortedLines(all)) {
			t.Fatal("store order differs from (start, community_id, sensor)")
		}
		if n := count(t, s, "findings"); n != wantFindings {
			t.Errorf("findings rows = %d, want %d", n, wantFindings)
		}
	})
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "got:  " + al[i] + "\nwant: " + bl[i]
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(al), len(bl))
}

// TestIdempotent writes the same records twice (at-least-once delivery),
// and a flow's interim record then its final one: one row each, the last
// version kept, its findings replaced.
func TestIdempotent(t *testing.T) {
	gs := goldens(t)
	fs := decodeFlows(t, "drda", gs["drda-secmec3.pcap.jsonl"])
	fs = append(fs, decodeFlows(t, "telnet", gs["telnet-login-23.pcap.jsonl"])...)
	forEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := open(t, e.dsn(t))
		for range 2 {
			if err := s.WriteFlows(ctx, 0, fs); err != nil {
				t.Fatal(err)
			}
		}
		// A batch holding the same flow twice keeps the later one.
		twice := append([]record.Flow{}, fs...)
		twice = append(twice, fs...)
		if err := s.WriteFlows(ctx, 0, twice); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "flows"); n != len(fs) {
			t.Fatalf("flows rows = %d after writing %d records three times, want %d", n, len(fs), len(fs))
		}
		want := 0
		for i := range fs {
			want += len(fs[i].Findings)
		}
		if n := count(t, s, "findings"); n != want {
			t.Fatalf("findings rows = %d, want %d", n, want)
		}
		// The final record replaces the interim one, findings and all.
		final := fs[0]
		final.EndReason = "shutdown"
		final.Findings = final.Findings[:1]
		if err := s.WriteFlows(ctx, 0, []record.Flow{final}); err != nil {
			t.Fatal(err)
		}
		got := readAll(t, s, Query{})
		var found bool
		for i := range got {
			if got[i].CommunityID == final.CommunityID && got[i].Start == final.Start {
				found = got[i].EndReason == "shutdown" && len(got[i].Findings) == 1
			}
		}
		if !found || count(t, s, "flows") != len(fs) {
			t.Fatal("the later record of a flow did not replace the earlier one")
		}
		if n := count(t, s, "findings"); n != want-len(fs[0].Findings)+1 {
			t.Fatalf("findings rows = %d after the replacement, want %d", n, want-len(fs[0].Findings)+1)
		}
		// Events: the same event twice is one row.
		ev := record.Event{Schema: record.FindingSchema, Time: fs[0].Start, CommunityID: fs[0].CommunityID,
			Finding: record.Finding{Kind: "cleartext_password", Severity: "critical"}}
		for range 2 {
			if err := s.WriteEvents(ctx, 0, []record.Event{ev, ev}); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, s, "events"); n != 1 {
			t.Fatalf("events rows = %d, want 1", n)
		}
	})
}

// TestRuns records a run's start and end and reads it back as written.
func TestRuns(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := open(t, e.dsn(t))
		r := record.Run{Schema: record.RunSchema, Sensor: "lpar1", Inputs: []string{"a.pcap"}, CaptureLoss: -1}
		id, err := s.BeginRun(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		r.Start, r.End = "2026-11-21T00:00:00.000000000Z", "2026-11-21T01:00:00.000000000Z"
		r.Packets, r.Decoded, r.Flows, r.KernelDrops, r.OutputDrops = 10, 9, 3, 2, 1
		r.GapBytes, r.PayloadBytes, r.CaptureLoss = 5, 95, 0.05
		r.Skipped = map[string]uint64{"non_ip": 1}
		if err := s.EndRun(ctx, id, r); err != nil {
			t.Fatal(err)
		}
		runs, err := s.Runs(ctx, Query{})
		if err != nil || len(runs) != 1 {
			t.Fatalf("runs = %v, %v", runs, err)
		}
		if g, w := record.AppendRun(nil, &runs[0]), record.AppendRun(nil, &r); !bytes.Equal(g, w) {
			t.Fatalf("run read back:\n%s\nwant:\n%s", g, w)
		}
		later, _ := time.Parse(time.RFC3339, "2026-11-22T00:00:00Z")
		if runs, _ := s.Runs(ctx, Query{Since: later}); len(runs) != 0 {
			t.Fatal("a run that ended before Since was returned")
		}
		if runs, _ := s.Runs(ctx, Query{Sensors: []string{"other"}}); len(runs) != 0 {
			t.Fatal("a run of another sensor was returned")
		}
	})
}

// flowAt makes a synthetic flow record of sensor starting at t, lasting d.
func flowAt(sensor string, n int, t time.Time, d time.Duration) record.Flow {
	enc := false
	return record.Flow{
		Schema: record.FlowSchema, CommunityID: fmt.Sprintf("1:test%07d=", n),
		Start: t.UTC().Format(record.TimeLayout), End: t.Add(d).UTC().Format(record.TimeLayout),
		Transport: "tcp", Client: "10.0.0.1:40000", Server: "10.0.0.2:8471", Service: "as-database",
		IBMi: true, LabelSource: "signature", Encrypted: &enc, ALPN: []string{}, User: "QUSER",
		PacketsC2S: 3, PacketsS2C: 3, BytesC2S: 100, BytesS2C: 200, EndReason: "fin", Sensor: sensor,
		Findings: []record.Finding{{Kind: "plaintext_where_tls_expected", Severity: "high", Message: "m"}},
	}
}

// TestQuery selects by period and sensor.
func TestQuery(t *testing.T) {
	day, _ := time.Parse(time.RFC3339, "2026-11-20T12:00:00Z")
	forEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := open(t, e.dsn(t))
		var fs []record.Flow
		for i := range 6 {
			fs = append(fs, flowAt([]string{"a", "b"}[i%2], i, day.Add(time.Duration(i)*time.Hour), time.Minute))
		}
		if err := s.WriteFlows(ctx, 0, fs); err != nil {
			t.Fatal(err)
		}
		got := readAll(t, s, Query{Since: day.Add(90 * time.Minute), Until: day.Add(4 * time.Hour)})
		if len(got) != 2 || got[0].CommunityID != fs[2].CommunityID || got[1].CommunityID != fs[3].CommunityID {
			t.Fatalf("period query gave %d flows", len(got))
		}
		// A flow overlapping Since counts.
		if got := readAll(t, s, Query{Since: day.Add(30 * time.Second)}); len(got) != 6 {
			t.Fatalf("overlap query gave %d flows, want 6", len(got))
		}
		if got := readAll(t, s, Query{Sensors: []string{"b"}}); len(got) != 3 {
			t.Fatalf("sensor query gave %d flows, want 3", len(got))
		}
	})
}

// TestRetention deletes what ended before the cut, and only that; on
// PostgreSQL whole day partitions go.
func TestRetention(t *testing.T) {
	d0, _ := time.Parse(time.RFC3339, "2026-11-01T10:00:00Z")
	forEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := open(t, e.dsn(t))
		var fs []record.Flow
		for day := range 4 {
			for i := range 3 {
				fs = append(fs, flowAt("s", day*10+i, d0.Add(time.Duration(day)*24*time.Hour+time.Duration(i)*time.Hour), time.Minute))
			}
		}
		// A long flow that starts on day 0 and ends on day 3 stays.
		fs = append(fs, flowAt("s", 99, d0, 3*24*time.Hour))
		if err := s.WriteFlows(ctx, 0, fs); err != nil {
			t.Fatal(err)
		}
		ev := record.Event{Schema: record.FindingSchema, Time: fs[0].Start, CommunityID: fs[0].CommunityID,
			Finding: record.Finding{Kind: "k", Severity: "high"}}
		if err := s.WriteEvents(ctx, 0, []record.Event{ev}); err != nil {
			t.Fatal(err)
		}
		if e.name == "postgres" {
			if n := partitions(t, s); n != 4 {
				t.Fatalf("%d partitions, want 4 (one per day)", n)
			}
		}
		cut := d0.Add(2 * 24 * time.Hour) // day 2, 10:00
		n, err := s.Retain(ctx, cut)
		if err != nil {
			t.Fatal(err)
		}
		if n != 6 {
			t.Errorf("Retain said %d flows deleted, want 6", n)
		}
		got := readAll(t, s, Query{})
		if len(got) != 7 {
			t.Fatalf("%d flows left, want 7", len(got))
		}
		for _, f := range got {
			if end, _ := parseTime(f.End); end < cut.UnixNano() {
				t.Errorf("flow %s ended %s, before the cut", f.CommunityID, f.End)
			}
		}
		if c := count(t, s, "findings"); c != 7 {
			t.Errorf("findings rows = %d, want 7", c)
		}
		if c := count(t, s, "events"); c != 0 {
			t.Errorf("events rows = %d, want 0", c)
		}
		if e.name == "postgres" {
			// Day 1's partition held only old flows: dropped. Day 0's
			// holds the long flow: kept.
			if n := partitions(t, s); n != 3 {
				t.Errorf("%d partitions after retention, want 3", n)
			}
			// A flow of a dropped day can be written again (the partition
			// is made anew).
			if err := s.WriteFlows(ctx, 0, fs[3:4]); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func partitions(t *testing.T, s Store) int {
	t.Helper()
	var n int
	if err := s.(*sqlStore).db.QueryRow(`SELECT count(*) FROM pg_inherits WHERE inhparent = 'flows'::regclass`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
