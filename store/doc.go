// Package store keeps flow records, finding events and run summaries in SQL,
// behind the one small Store interface: SQLite (modernc.org/sqlite, pure Go)
// embedded in a file, PostgreSQL (pgx) shared by a fleet. Both share one
// versioned schema with migrations. Writers never block capture: records go
// through a bounded queue to one writer goroutine that commits in batches,
// and what cannot be written is counted.
//
// The store keeps records; it does not decide what they mean (that is the
// report's job).
//
// # Opening
//
// Open takes a DSN: FILE.db (also .sqlite, .sqlite3) or sqlite:PATH for
// SQLite, postgres://… or postgresql://… for PostgreSQL. It creates the
// schema in an empty database and migrates an older one, one step per
// transaction (steps are serialised between processes: SQLite's write lock,
// a PostgreSQL advisory lock). It refuses a file that is not a database, a
// database holding other tables and no ibmitap schema, and a store whose
// schema is newer than this build (naming both versions). Messages never
// carry a password.
//
// # Schema (version 2)
//
// runs: one row per read or watch run (sensor, inputs, packet-time window,
// packets, decoded, flows, kernel packets and drops, output drops, evicted,
// gap and payload bytes, the capture-loss estimate, skips by reason) and
// the run record as written. flows: every record.Flow field as a column
// (times as Unix nanoseconds: exact, sortable, the same on both engines),
// indexed on start, end, server, service+encrypted and user, and the record
// itself as its exact JSON line, which is what Flows hands back; the
// identity is UNIQUE (sensor, community_id, start). findings: one row per
// finding of a flow (kind, severity, user, service, server, client) for
// rollups. events: finding events, unique on (sensor, community_id, time,
// kind). On PostgreSQL flows is range-partitioned by day on start; the
// partitions are made before a batch needs them.
//
// # Idempotency
//
// WriteFlows upserts: a record with the identity of a stored one replaces
// it (and its findings rows), so a redelivered record changes nothing and an
// interim record is replaced by its flow's final one. WriteEvents ignores an
// event already stored. Consumers with at-least-once delivery (collect)
// may write the same batch any number of times.
//
// # Writer
//
// NewWriter queues records for one goroutine that commits batches of
// BatchSize records or BatchWait after a batch's first record. A full queue
// drops the record (counted) unless Block is set. A failing batch is tried
// again with back-off (100 ms doubling to 5 s) for RetryFor, then given up
// and counted: a PostgreSQL restart or network cut shorter than RetryFor
// loses nothing, while the queue in front keeps capture from waiting (what
// overflows it is counted as dropped). WriterStats says what was written,
// dropped, failed and retried, with the last error.
//
// # Retention
//
// Retain(t) deletes flows (with their findings) and events that ended
// before t, and finished runs, by packet time. On PostgreSQL it first drops
// whole day partitions whose flows all ended before t.
package store
