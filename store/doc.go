// Package store keeps flow records, finding events and run summaries in SQL,
// behind the one small Store interface: SQLite (modernc.org/sqlite, pure Go)
// embedded in a file, PostgreSQL (pgx) shared by a fleet. Both share one
// versioned schema with migrations. Writers never block capture: records go
// through a bounded queue to one writer goroutine that commits in batches,
// and what cannot be written is counted.
//
// The store keeps records; it does not decide what they mean (that is the
// report's job).
package store
