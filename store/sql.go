package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ibmitap/ibmitap/record"
)

// dialect is what differs between the engines; everything else is the
// shared code below, written once with ? placeholders.
type dialect interface {
	// steps is the DDL of each schema version (steps[i]: i → i+1).
	steps() [][]string
	// rebind turns ? placeholders into the engine's own.
	rebind(q string) string
	// schemaState tells whether the schema table exists; foreign is an
	// error when the database holds something else and no ibmitap schema.
	schemaState(ctx context.Context, q querier) (exists bool, foreign error)
	// lockSchema serialises migrations of concurrent openers.
	lockSchema(ctx context.Context, tx *sql.Tx) error
	// prepareFlows runs before a batch of flows is written (partitions).
	prepareFlows(ctx context.Context, s *sqlStore, rows []flowRow) error
	// retryable says the batch failed for a reason prepareFlows fixes
	// when run again (a partition dropped by another process).
	retryable(err error) bool
	// deleteFindings removes the findings rows of flows about to be
	// written again, the way the engine does best.
	deleteFindings(ctx context.Context, t *stmts, rows []flowRow) error
	// retainFlows deletes flows that ended before t; it returns how many.
	retainFlows(ctx context.Context, s *sqlStore, t int64) (int64, error)
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sqlStore is the Store of both engines, over database/sql.
type sqlStore struct {
	db   *sql.DB
	d    dialect
	name string // the file or the redacted DSN, for messages
}

// Version is the current schema version, the last migration step.
const Version = 2

// ErrNotStore is wrapped by the error of a database that is not a store.
var ErrNotStore = errors.New("not an ibmitap store")

// ErrNewerSchema is wrapped by the error of a store whose schema version is
// newer than this build's.
var ErrNewerSchema = errors.New("schema written by a newer ibmitap")

// kindError is a message of its own that still matches one of the errors
// above with errors.Is.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func (s *sqlStore) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, s.d.rebind(query), args...)
}

func (s *sqlStore) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(ctx, s.d.rebind(query), args...)
}

// version reads the schema version: 0 for an empty database.
func (s *sqlStore) version(ctx context.Context, q querier) (int, error) {
	exists, foreign := s.d.schemaState(ctx, q)
	if foreign != nil {
		return 0, foreign
	}
	if !exists {
		return 0, nil
	}
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT max(version) FROM ibmitap_schema").Scan(&v); err != nil {
		return 0, fmt.Errorf("%s: reading the schema version: %w", s.name, err)
	}
	return int(v.Int64), nil
}

// migrate brings the store to version target, one step per transaction.
func (s *sqlStore) migrate(ctx context.Context, target int) error {
	steps := s.d.steps()
	for {
		v, err := s.version(ctx, s.db)
		if err != nil {
			return err
		}
		if v > len(steps) {
			return &kindError{fmt.Sprintf("%s: schema version %d is newer than this ibmitap's %d; upgrade ibmitap", s.name, v, len(steps)), ErrNewerSchema}
		}
		if v >= target {
			return nil
		}
		if err := s.step(ctx, v, target); err != nil {
			return fmt.Errorf("%s: migrating the schema from version %d: %w", s.name, v, err)
		}
	}
}

// step applies the migration from version v, unless another opener did it
// first (the version is read again under the lock).
func (s *sqlStore) step(ctx context.Context, v, target int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.d.lockSchema(ctx, tx); err != nil {
		return err
	}
	now, err := s.version(ctx, tx)
	if err != nil || now != v {
		return err // nothing to do here; migrate looks again
	}
	for _, ddl := range s.d.steps()[v] {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("version %d: %w", v+1, err)
		}
	}
	if v+1 == 2 {
		if err := s.backfillV2(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := s.exec(ctx, tx, "INSERT INTO ibmitap_schema (version, migrated_ns) VALUES (?, ?)", v+1, time.Now().UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}

// backfillV2 fills the columns and findings rows version 2 added from the
// records version 1 kept, by writing each record again.
func (s *sqlStore) backfillV2(ctx context.Context, tx *sql.Tx) error {
	var sensor, cid string
	var start int64 = -1 << 63
	for {
		rows, err := s.query(ctx, tx, `SELECT run_id, sensor, community_id, start_ns, record FROM flows
			WHERE (sensor, community_id, start_ns) > (?, ?, ?) ORDER BY sensor, community_id, start_ns LIMIT 500`, sensor, cid, start)
		if err != nil {
			return fmt.Errorf("backfill: %w", err)
		}
		byRun := map[int64][]flowRow{}
		n := 0
		for rows.Next() {
			var run sql.NullInt64
			var js string
			if err := rows.Scan(&run, &sensor, &cid, &start, &js); err != nil {
				rows.Close()
				return fmt.Errorf("backfill: %w", err)
			}
			n++
			f := new(record.Flow)
			if err := json.Unmarshal([]byte(js), f); err != nil {
				rows.Close()
				return fmt.Errorf("backfill: flow %s: %w", cid, err)
			}
			r, err := newFlowRow(f)
			if err != nil {
				rows.Close()
				return fmt.Errorf("backfill: %w", err)
			}
			r.js = []byte(js) // keep exactly what was written
			byRun[run.Int64] = append(byRun[run.Int64], r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("backfill: %w", err)
		}
		for run, rs := range byRun {
			if err := s.writeFlowsTx(ctx, tx, run, rs); err != nil {
				return fmt.Errorf("backfill: %w", err)
			}
		}
		if n < 500 {
			return nil
		}
	}
}

// Version returns the schema version of the open store.
func (s *sqlStore) Version(ctx context.Context) (int, error) { return s.version(ctx, s.db) }

// Close closes the database.
func (s *sqlStore) Close() error { return s.db.Close() }

// BeginRun inserts the run and returns its id.
func (s *sqlStore) BeginRun(ctx context.Context, run record.Run) (int64, error) {
	q := "INSERT INTO runs (began_ns, " + strings.Join(runColumns, ", ") + ") VALUES " +
		valuesList(1, len(runColumns)+1) + " RETURNING id"
	var id int64
	args := append([]any{time.Now().UnixNano()}, runArgs(&run)...)
	if err := s.db.QueryRowContext(ctx, s.d.rebind(q), args...).Scan(&id); err != nil {
		return 0, fmt.Errorf("%s: recording the run: %w", s.name, err)
	}
	return id, nil
}

// EndRun writes the run's final counters.
func (s *sqlStore) EndRun(ctx context.Context, id int64, run record.Run) error {
	set := make([]string, 0, len(runColumns)+1)
	for _, c := range runColumns {
		set = append(set, c+" = ?")
	}
	set = append(set, "ended_ns = ?")
	args := append(runArgs(&run), time.Now().UnixNano(), id)
	res, err := s.exec(ctx, s.db, "UPDATE runs SET "+strings.Join(set, ", ")+" WHERE id = ?", args...)
	if err != nil {
		return fmt.Errorf("%s: recording the end of run %d: %w", s.name, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: run %d not found (deleted by retention?)", s.name, id)
	}
	return nil
}

// flowChunk and findingChunk bound the rows of one INSERT (the engines
// limit the parameters of a statement: SQLite 32766, PostgreSQL 65535).
const (
	flowChunk    = 200
	findingChunk = 500
)

// WriteFlows upserts flow records in one transaction: a record already
// stored under the same sensor, community_id and start is replaced (an
// interim record by the final one, a redelivered record by itself).
func (s *sqlStore) WriteFlows(ctx context.Context, id int64, flows []record.Flow) error {
	if len(flows) == 0 {
		return nil
	}
	rows := make([]flowRow, 0, len(flows))
	seen := make(map[flowKey]int, len(flows))
	for i := range flows {
		r, err := newFlowRow(&flows[i])
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		k := flowKey{r.f.Sensor, r.f.CommunityID, r.start}
		if j, ok := seen[k]; ok {
			rows[j] = r // the later record of the same flow wins
			continue
		}
		seen[k] = len(rows)
		rows = append(rows, r)
	}
	err := s.writeFlows(ctx, id, rows)
	if err != nil && s.d.retryable(err) {
		err = s.writeFlows(ctx, id, rows)
	}
	if err != nil {
		return fmt.Errorf("%s: writing %d flows: %w", s.name, len(rows), err)
	}
	return nil
}

type flowKey struct {
	sensor, cid string
	start       int64
}

func (s *sqlStore) writeFlows(ctx context.Context, id int64, rows []flowRow) error {
	if err := s.d.prepareFlows(ctx, s, rows); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.writeFlowsTx(ctx, tx, id, rows); err != nil {
		return err
	}
	return tx.Commit()
}

// WriteEvents inserts finding events; one already stored (same sensor,
// community_id, time and kind) is kept as it is.
func (s *sqlStore) WriteEvents(ctx context.Context, id int64, events []record.Event) error {
	if len(events) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: writing events: %w", s.name, err)
	}
	defer tx.Rollback()
	for len(events) > 0 {
		chunk := events[:min(findingChunk, len(events))]
		events = events[len(chunk):]
		args := make([]any, 0, len(chunk)*len(eventColumns))
		for i := range chunk {
			a, err := eventArgs(id, &chunk[i])
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			args = append(args, a...)
		}
		q := "INSERT INTO events (" + strings.Join(eventColumns, ", ") + ") VALUES " +
			valuesList(len(chunk), len(eventColumns)) +
			" ON CONFLICT (sensor, community_id, time_ns, kind) DO NOTHING"
		if _, err := s.exec(ctx, tx, q, args...); err != nil {
			return fmt.Errorf("%s: writing events: %w", s.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: writing events: %w", s.name, err)
	}
	return nil
}

// where builds the period and sensor conditions of a query on a table
// whose rows span [startCol, endCol].
func where(q Query, startCol, endCol string) (string, []any) {
	var conds []string
	var args []any
	if !q.Since.IsZero() {
		conds = append(conds, endCol+" >= ?")
		args = append(args, q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		conds = append(conds, startCol+" < ?")
		args = append(args, q.Until.UnixNano())
	}
	if len(q.Sensors) > 0 {
		conds = append(conds, "sensor IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(q.Sensors)), ", ")+")")
		for _, x := range q.Sensors {
			args = append(args, x)
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Flows streams the flow records overlapping the period, exactly as they
// were written, in (start, community_id, sensor) order.
func (s *sqlStore) Flows(ctx context.Context, q Query, fn func(*record.Flow) error) error {
	w, args := where(q, "start_ns", "end_ns")
	rows, err := s.query(ctx, s.db, "SELECT record FROM flows"+w+" ORDER BY start_ns, community_id, sensor", args...)
	if err != nil {
		return fmt.Errorf("%s: reading flows: %w", s.name, err)
	}
	defer rows.Close()
	var js []byte
	for rows.Next() {
		if err := rows.Scan(&js); err != nil {
			return fmt.Errorf("%s: reading flows: %w", s.name, err)
		}
		f := new(record.Flow)
		if err := json.Unmarshal(js, f); err != nil {
			return fmt.Errorf("%s: a stored flow record does not decode: %w", s.name, err)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: reading flows: %w", s.name, err)
	}
	return nil
}

// Runs returns the runs overlapping the period, oldest first, with their
// final counters when they ended.
func (s *sqlStore) Runs(ctx context.Context, q Query) ([]record.Run, error) {
	w, args := where(q, "start_ns", "end_ns")
	rows, err := s.query(ctx, s.db, "SELECT record FROM runs"+w+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("%s: reading runs: %w", s.name, err)
	}
	defer rows.Close()
	var out []record.Run
	var js []byte
	for rows.Next() {
		if err := rows.Scan(&js); err != nil {
			return nil, fmt.Errorf("%s: reading runs: %w", s.name, err)
		}
		var r record.Run
		if err := json.Unmarshal(js, &r); err != nil {
			return nil, fmt.Errorf("%s: a stored run does not decode: %w", s.name, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: reading runs: %w", s.name, err)
	}
	return out, nil
}

// Retain deletes what ended before t: flows (with their findings), events
// and finished runs. Times are packet times, as in the records.
func (s *sqlStore) Retain(ctx context.Context, t time.Time) (int64, error) {
	ns := t.UnixNano()
	if _, err := s.exec(ctx, s.db, "DELETE FROM findings WHERE end_ns < ?", ns); err != nil {
		return 0, fmt.Errorf("%s: retention: %w", s.name, err)
	}
	n, err := s.d.retainFlows(ctx, s, ns)
	if err != nil {
		return n, fmt.Errorf("%s: retention: %w", s.name, err)
	}
	if _, err := s.exec(ctx, s.db, "DELETE FROM events WHERE time_ns < ?", ns); err != nil {
		return n, fmt.Errorf("%s: retention: %w", s.name, err)
	}
	if _, err := s.exec(ctx, s.db, `DELETE FROM runs WHERE ended_ns IS NOT NULL
		AND (CASE WHEN end_ns <> 0 THEN end_ns ELSE began_ns END) < ?`, ns); err != nil {
		return n, fmt.Errorf("%s: retention: %w", s.name, err)
	}
	return n, nil
}
