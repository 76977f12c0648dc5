package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// connectTimeout bounds the first connection: an unreachable server fails
// the open instead of hanging it.
const connectTimeout = 10 * time.Second

func openPostgres(ctx context.Context, dsn string) (Store, error) {
	name := Redact(dsn)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", name, scrub(err, dsn))
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > connectTimeout {
		cfg.ConnectTimeout = connectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(4)
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: cannot connect: %w", name, scrub(err, dsn))
	}
	s := &sqlStore{db: db, d: &pgDialect{days: map[int64]bool{}}, name: name}
	if err := s.migrate(ctx, Version); err != nil {
		db.Close()
		return nil, scrub(err, dsn)
	}
	return s, nil
}

// pgDialect is PostgreSQL: $n placeholders, an advisory lock around
// migrations, flows partitioned by day (range on start_ns) with the
// partitions made on demand and dropped whole by retention.
type pgDialect struct {
	mu   sync.Mutex
	days map[int64]bool // partitions known to exist
}

// Advisory-lock keys (any constants; other applications' keys are unlikely
// to collide with these).
const (
	lockSchema     = 0x1b317a90001
	lockPartitions = 0x1b317a90002
)

const dayNS = int64(24 * time.Hour)

func (*pgDialect) steps() [][]string { return postgresSteps }

func (*pgDialect) rebind(q string) string {
	if !strings.ContainsRune(q, '?') {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + len(q)/4)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// schemaState looks in the connection's search path only: a shared
// database may hold anything else, so nothing there is "foreign".
func (*pgDialect) schemaState(ctx context.Context, q querier) (bool, error) {
	var ok bool
	err := q.QueryRowContext(ctx, `SELECT to_regclass('ibmitap_schema') IS NOT NULL`).Scan(&ok)
	return ok, err
}

func (*pgDialect) lockSchema(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(lockSchema))
	return err
}

func partitionName(day int64) string {
	return "flows_p" + time.Unix(0, day*dayNS).UTC().Format("20060102")
}

func dayOf(ns int64) int64 {
	d := ns / dayNS
	if ns < 0 && ns%dayNS != 0 {
		d--
	}
	return d
}

// prepareFlows creates the day partitions the rows need, each in its own
// short transaction under an advisory lock (two collectors may meet a new
// day at once).
func (d *pgDialect) prepareFlows(ctx context.Context, s *sqlStore, rows []flowRow) error {
	var need []int64
	d.mu.Lock()
	for i := range rows {
		day := dayOf(rows[i].start)
		if !d.days[day] {
			d.days[day] = true // provisionally; undone below on failure
			need = append(need, day)
		}
	}
	d.mu.Unlock()
	for i, day := range need {
		if err := d.createPartition(ctx, s, day); err != nil {
			d.mu.Lock()
			for _, x := range need[i:] {
				delete(d.days, x)
			}
			d.mu.Unlock()
			return fmt.Errorf("creating partition %s: %w", partitionName(day), err)
		}
	}
	return nil
}

func (d *pgDialect) createPartition(ctx context.Context, s *sqlStore, day int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(lockPartitions)); err != nil {
		return err
	}
	q := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s PARTITION OF flows FOR VALUES FROM (%d) TO (%d)",
		pgx.Identifier{partitionName(day)}.Sanitize(), day*dayNS, (day+1)*dayNS)
	if _, err := tx.ExecContext(ctx, q); err != nil {
		return err
	}
	return tx.Commit()
}

func (*pgDialect) deleteFindings(ctx context.Context, t *stmts, rows []flowRow) error {
	return deleteFindingsByList(ctx, t, rows)
}

// retryable is true when no partition took a row (another process's
// retention dropped it): the known partitions are forgotten so the retry
// creates them again.
func (d *pgDialect) retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23514" {
		return false
	}
	d.mu.Lock()
	clear(d.days)
	d.mu.Unlock()
	return true
}

// retainFlows drops the day partitions that hold only flows that ended
// before t (cheap, and gives the space back at once), then deletes the
// remaining such rows from the others.
func (d *pgDialect) retainFlows(ctx context.Context, s *sqlStore, t int64) (int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.relname FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'flows'::regclass`)
	if err != nil {
		return 0, err
	}
	var parts []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, err
		}
		parts = append(parts, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var total int64
	for _, name := range parts {
		day, err := time.Parse("20060102", strings.TrimPrefix(name, "flows_p"))
		if err != nil || (day.UnixNano()+dayNS) > t {
			continue // not ours, or it may hold flows still to keep
		}
		n, dropped, err := d.dropIfOld(ctx, s, name, t)
		if err != nil {
			return total, fmt.Errorf("partition %s: %w", name, err)
		}
		if dropped {
			total += n
			d.mu.Lock()
			delete(d.days, dayOf(day.UnixNano()))
			d.mu.Unlock()
		}
	}
	res, err := s.db.ExecContext(ctx, "DELETE FROM flows WHERE end_ns < $1", t)
	if err != nil {
		return total, err
	}
	n, _ := res.RowsAffected()
	return total + n, nil
}

// dropIfOld drops one partition when every flow in it ended before t (a
// flow that started that day may run past it). The transaction locks the
// parent table first, as DROP will: locking the partition first could
// deadlock with a writer that holds the parent and waits for the partition.
// Writers wait for the count (max uses the end_ns index; count scans).
func (d *pgDialect) dropIfOld(ctx context.Context, s *sqlStore, name string, t int64) (int64, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback()
	id := pgx.Identifier{name}.Sanitize()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE flows IN ACCESS EXCLUSIVE MODE"); err != nil {
		return 0, false, err
	}
	var n, last int64
	if err := tx.QueryRowContext(ctx, "SELECT count(*), coalesce(max(end_ns), 0) FROM "+id).Scan(&n, &last); err != nil {
		return 0, false, err
	}
	if n > 0 && last >= t {
		return 0, false, nil
	}
	if _, err := tx.ExecContext(ctx, "DROP TABLE "+id); err != nil {
		return 0, false, err
	}
	return n, true, tx.Commit()
}
