package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/record"
)

// openAt opens the raw database behind dsn and migrates it to version v
// only, with the historic steps kept in the code.
func openAt(t *testing.T, dsn string, v int) *sqlStore {
	t.Helper()
	ctx := context.Background()
	kind, target, err := ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var s *sqlStore
	switch kind {
	case EngineSQLite:
		db, err := sql.Open("sqlite", target+sqlitePragmas)
		if err != nil {
			t.Fatal(err)
		}
		s = &sqlStore{db: db, d: sqliteDialect{path: target}, name: target}
	default:
		db, err := sql.Open("pgx", target)
		if err != nil {
			t.Fatal(err)
		}
		s = &sqlStore{db: db, d: &pgDialect{days: map[int64]bool{}}, name: "pg"}
	}
	if err := s.migrate(ctx, v); err != nil {
		t.Fatal(err)
	}
	return s
}

// v1Insert is how ibmitap with schema version 1 wrote a flow.
const v1Insert = `INSERT INTO flows (run_id, sensor, community_id, start_ns, end_ns, transport, client,
	server, service, ibmi, label_source, encrypted, tls_version, sni, user_name, packets_c2s,
	packets_s2c, bytes_c2s, bytes_s2c, protocol, end_reason, record)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// TestMigrations opens an empty store (created at the current version)
// and a store written by schema version 1 (migrated, its rows intact and
// the columns and findings rows of version 2 filled in).
func TestMigrations(t *testing.T) {
	gs := goldens(t)
	var fs []record.Flow
	for _, name := range []string{"drda-secmec3.pcap.jsonl", "jt400-plain-signon.pcap.jsonl", "tls13-sni-9476.pcap.jsonl"} {
		fs = append(fs, decodeFlows(t, name, gs[name])...)
	}
	forEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := open(t, e.dsn(t))
		if v, err := s.Version(ctx); err != nil || v != Version {
			t.Fatalf("new store at version %d (%v), want %d", v, err, Version)
		}

		dsn := e.dsn(t)
		old := openAt(t, dsn, 1)
		if v, _ := old.Version(ctx); v != 1 {
			t.Fatalf("historic store at version %d, want 1", v)
		}
		if e.name == "postgres" {
			if err := old.d.prepareFlows(ctx, old, rowsOf(t, fs)); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range rowsOf(t, fs) {
			f := r.f
			var enc any
			if f.Encrypted != nil {
				enc = *f.Encrypted
			}
			if _, err := old.exec(ctx, old.db, v1Insert, nil, f.Sensor, f.CommunityID, r.start, r.end,
				f.Transport, f.Client, f.Server, f.Service, f.IBMi, f.LabelSource, enc, f.TLSVersion,
				f.SNI, f.User, int64(f.PacketsC2S), int64(f.PacketsS2C), int64(f.BytesC2S),
				int64(f.BytesS2C), f.Protocol, f.EndReason, string(r.js)); err != nil {
				t.Fatal(err)
			}
		}
		old.Close()

		s2 := open(t, dsn)
		if v, _ := s2.Version(ctx); v != Version {
			t.Fatalf("migrated store at version %d, want %d", v, Version)
		}
		if g, w := sortedLines(readAll(t, s2, Query{})), sortedLines(fs); !bytes.Equal(g, w) {
			t.Fatalf("rows changed by the migration:\n%s", firstDiff(g, w))
		}
		want := 0
		for i := range fs {
			want += len(fs[i].Findings)
		}
		if n := count(t, s2, "findings"); n != want || want == 0 {
			t.Fatalf("findings rows after migration = %d, want %d", n, want)
		}
		var blank int
		if err := s2.(*sqlStore).db.QueryRow("SELECT count(*) FROM flows WHERE server_addr = ''").Scan(&blank); err != nil || blank != 0 {
			t.Fatalf("%d migrated flows without server_addr (%v)", blank, err)
		}
	})
}

func rowsOf(t *testing.T, fs []record.Flow) []flowRow {
	var out []flowRow
	for i := range fs {
		r, err := newFlowRow(&fs[i])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestNewerSchema refuses a store written by a newer ibmitap, naming both
// versions.
func TestNewerSchema(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		dsn := e.dsn(t)
		s := open(t, dsn).(*sqlStore)
		if _, err := s.exec(context.Background(), s.db, "INSERT INTO ibmitap_schema (version, migrated_ns) VALUES (?, 0)", Version+1); err != nil {
			t.Fatal(err)
		}
		_, err := Open(context.Background(), dsn)
		if err == nil {
			t.Fatal("a store of a newer schema was opened")
		}
		want := "schema version 3 is newer than this ibmitap's 2; upgrade ibmitap"
		if !strings.Contains(err.Error(), want) || !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("error %q, want it to say %q", err, want)
		}
	})
}

// TestNotAStore refuses files that are not stores, and leaves them as
// they were.
func TestNotAStore(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "x.db")
	content := []byte(strings.Repeat("not a database at all\n", 100))
	os.WriteFile(text, content, 0o644)
	_, err := Open(context.Background(), text)
	if err == nil || err.Error() != text+": not an ibmitap store: file is not a database" || !errors.Is(err, ErrNotStore) {
		t.Fatalf("text file: error %v", err)
	}
	if b, _ := os.ReadFile(text); !bytes.Equal(b, content) {
		t.Fatal("the file was changed")
	}

	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE customers (id INTEGER)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(context.Background(), "sqlite:"+other)
	if err == nil || err.Error() != other+": not an ibmitap store: has no ibmitap schema" {
		t.Fatalf("foreign database: error %v", err)
	}
}

// TestDSN checks what each DSN opens and that a bad one fails clearly,
// without the password.
func TestDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"x.db": EngineSQLite, "sqlite:/tmp/y": EngineSQLite, "a/B.SQLITE": EngineSQLite,
		"postgres://u@h/db": EnginePostgres, "postgresql://h/db?sslmode=disable": EnginePostgres,
	} {
		if kind, _, err := ParseDSN(dsn); err != nil || kind != want {
			t.Errorf("%s: %s, %v; want %s", dsn, kind, err, want)
		}
	}
	for _, dsn := range []string{"", "x.txt", "mysql://u:pw@h/db", "sqlite:", "x.db?mode=ro"} {
		if _, err := Open(context.Background(), dsn); err == nil {
			t.Errorf("%q opened", dsn)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("%q: error shows the password: %v", dsn, err)
		}
	}
	_, err := Open(context.Background(), "postgres://ibmitap:s3cret-pw@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err == nil || !strings.Contains(err.Error(), "cannot connect") || strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("unreachable server: error %v", err)
	}
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir.db")); err == nil {
		t.Fatal("a store in a missing directory was opened")
	}
}
