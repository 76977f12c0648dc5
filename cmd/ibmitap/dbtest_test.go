package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for counting rows
	_ "modernc.org/sqlite"             // database/sql driver "sqlite" for counting rows
)

// testDB is a store for one test: its DSN, and a way to count rows that
// does not go through the store (an outside view of what was committed).
type testDB struct {
	engine, dsn string
}

// testDBs returns a fresh SQLite file and, when IBMITAP_PG_DSN names a
// server, a fresh PostgreSQL database on it (dropped at the end). Without
// that server the PostgreSQL case is skipped, unless CI is set: then it
// fails.
func testDBs(t *testing.T) []testDB {
	t.Helper()
	dbs := []testDB{{"sqlite", filepath.Join(t.TempDir(), "fleet.db")}}
	if pg := pgDB(t); pg != "" {
		dbs = append(dbs, testDB{"postgres", pg})
	}
	return dbs
}

// pgDB creates a database of its own for the test and returns its DSN.
func pgDB(t *testing.T) string {
	t.Helper()
	base := os.Getenv("IBMITAP_PG_DSN")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but IBMITAP_PG_DSN is not: the PostgreSQL tests need a server")
		}
		t.Log("IBMITAP_PG_DSN not set: PostgreSQL case skipped")
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("IBMITAP_PG_DSN: %v", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("ibmitap_test_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// count runs SELECT count(*) on a table of the store.
func (d testDB) count(t *testing.T, table string) int {
	t.Helper()
	driver, src := "sqlite", d.dsn
	if d.engine == "postgres" {
		driver = "pgx"
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	for try := 0; ; try++ {
		err = db.QueryRow("SELECT count(*) FROM " + table).Scan(&n)
		if err == nil || try == 20 {
			break
		}
		time.Sleep(100 * time.Millisecond) // the table is created by the collector
	}
	if err != nil {
		t.Fatalf("%s: counting %s: %v", d.engine, table, err)
	}
	return n
}
