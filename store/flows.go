package store

import (
	"context"
	"database/sql"
	"strings"
)

// stmts prepares each distinct statement of a transaction once: a batch
// of 1000 flows runs the same 200-row INSERT five times, and SQLite's
// parser would otherwise be a fifth of the cost.
type stmts struct {
	s  *sqlStore
	tx *sql.Tx
	m  map[string]*sql.Stmt
}

func (t *stmts) exec(ctx context.Context, q string, args ...any) error {
	st, ok := t.m[q]
	if !ok {
		var err error
		if st, err = t.tx.PrepareContext(ctx, t.s.d.rebind(q)); err != nil {
			return err
		}
		t.m[q] = st
	}
	_, err := st.ExecContext(ctx, args...)
	return err
}

func (t *stmts) close() {
	for _, st := range t.m {
		st.Close()
	}
}

// upsertSQL is the INSERT of n flow rows that replaces a stored row of the
// same identity.
func upsertSQL(n int) string {
	set := make([]string, 0, len(flowColumns))
	for _, c := range flowColumns {
		if c != "sensor" && c != "community_id" && c != "start_ns" {
			set = append(set, c+" = excluded."+c)
		}
	}
	return "INSERT INTO flows (" + strings.Join(flowColumns, ", ") + ") VALUES " +
		valuesList(n, len(flowColumns)) +
		" ON CONFLICT (sensor, community_id, start_ns) DO UPDATE SET " + strings.Join(set, ", ")
}

// writeFlowsTx upserts rows and replaces their findings rows.
func (s *sqlStore) writeFlowsTx(ctx context.Context, tx *sql.Tx, id int64, rows []flowRow) error {
	t := &stmts{s: s, tx: tx, m: map[string]*sql.Stmt{}}
	defer t.close()
	var fargs []any
	nf := 0
	for len(rows) > 0 {
		chunk := rows[:min(flowChunk, len(rows))]
		rows = rows[len(chunk):]
		args := make([]any, 0, len(chunk)*len(flowColumns))
		for i := range chunk {
			args = append(args, chunk[i].args(id)...)
		}
		if err := t.exec(ctx, upsertSQL(len(chunk)), args...); err != nil {
			return err
		}
		if err := s.d.deleteFindings(ctx, t, chunk); err != nil {
			return err
		}
		for i := range chunk {
			for n := range chunk[i].f.Findings {
				fargs = append(fargs, chunk[i].findingArgs(id, n)...)
				if nf++; nf == findingChunk {
					if err := insertFindings(ctx, t, nf, fargs); err != nil {
						return err
					}
					nf, fargs = 0, fargs[:0]
				}
			}
		}
	}
	return insertFindings(ctx, t, nf, fargs)
}

func insertFindings(ctx context.Context, t *stmts, n int, args []any) error {
	if n == 0 {
		return nil
	}
	return t.exec(ctx, "INSERT INTO findings ("+strings.Join(findingColumns, ", ")+") VALUES "+
		valuesList(n, len(findingColumns)), args...)
}

// deleteFindingsByRow removes the findings rows of the flows one statement
// per flow: each an index lookup. (SQLite plans a row-value IN (VALUES …)
// as a scan of the whole table.)
func deleteFindingsByRow(ctx context.Context, t *stmts, rows []flowRow) error {
	for i := range rows {
		if err := t.exec(ctx, "DELETE FROM findings WHERE sensor = ? AND community_id = ? AND start_ns = ?",
			rows[i].f.Sensor, rows[i].f.CommunityID, rows[i].start); err != nil {
			return err
		}
	}
	return nil
}

// deleteFindingsByList removes the findings rows of the flows in one
// statement, one round trip to a server. The casts type the VALUES, whose
// untyped parameters PostgreSQL would take as text.
func deleteFindingsByList(ctx context.Context, t *stmts, rows []flowRow) error {
	keys := make([]any, 0, 3*len(rows))
	for i := range rows {
		keys = append(keys, rows[i].f.Sensor, rows[i].f.CommunityID, rows[i].start)
	}
	list := strings.TrimSuffix(strings.Repeat("(?, ?, CAST(? AS BIGINT)), ", len(rows)), ", ")
	return t.exec(ctx, "DELETE FROM findings f USING (VALUES "+list+") AS v (sensor, community_id, start_ns)"+
		" WHERE f.sensor = v.sensor AND f.community_id = v.community_id AND f.start_ns = v.start_ns", keys...)
}
