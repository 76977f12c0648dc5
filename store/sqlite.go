package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqlitePragmas are set on every connection: WAL so readers (a report) and
// the one writer do not block each other; synchronous=NORMAL, which in WAL
// mode loses no committed transaction when the process dies (only an OS
// crash may lose the last ones) at a fraction of FULL's fsyncs; a busy
// timeout so concurrent openers wait instead of failing; foreign keys on;
// and BEGIN IMMEDIATE so a write transaction takes the lock at its start
// rather than failing half-way.
const sqlitePragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_txlock=immediate"

func openSQLite(ctx context.Context, path string) (Store, error) {
	// A new store is created readable by its owner only: records name
	// user profiles.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := sql.Open("sqlite", path+sqlitePragmas)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	s := &sqlStore{db: db, d: sqliteDialect{path: path}, name: path}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, sqliteOpenError(path, err)
	}
	if err := s.migrate(ctx, Version); err != nil {
		db.Close()
		return nil, sqliteOpenError(path, err)
	}
	return s, nil
}

// sqliteOpenError names a file that is not a database as such.
func sqliteOpenError(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_NOTADB {
		return &kindError{path + ": not an ibmitap store: file is not a database", ErrNotStore}
	}
	if errors.Is(err, ErrNotStore) || errors.Is(err, ErrNewerSchema) {
		return err
	}
	return fmt.Errorf("store: %s: %w", path, err)
}

type sqliteDialect struct{ path string }

func (sqliteDialect) steps() [][]string      { return sqliteSteps }
func (sqliteDialect) rebind(q string) string { return q }

func (d sqliteDialect) schemaState(ctx context.Context, q querier) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'ibmitap_schema'`).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return true, nil
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, &kindError{d.path + ": not an ibmitap store: has no ibmitap schema", ErrNotStore}
	}
	return false, nil
}

// lockSchema has nothing to do: the transaction began IMMEDIATE, holding
// the database's write lock.
func (sqliteDialect) lockSchema(context.Context, *sql.Tx) error { return nil }

func (sqliteDialect) prepareFlows(context.Context, *sqlStore, []flowRow) error { return nil }
func (sqliteDialect) deleteFindings(ctx context.Context, t *stmts, rows []flowRow) error {
	return deleteFindingsByRow(ctx, t, rows)
}
func (sqliteDialect) retryable(error) bool { return false }

func (sqliteDialect) retainFlows(ctx context.Context, s *sqlStore, t int64) (int64, error) {
	res, err := s.exec(ctx, s.db, "DELETE FROM flows WHERE end_ns < ?", t)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
