package store

import (
	"context"
	"time"

	"github.com/ibmitap/ibmitap/record"
)

// Store is what every SQL engine provides. Writes are idempotent: a flow's
// identity is its sensor, community_id and start, so writing the same
// record twice keeps one row (at-least-once delivery from Kafka relies on it).
type Store interface {
	// BeginRun records the start of a run and returns its id.
	BeginRun(ctx context.Context, run record.Run) (int64, error)
	// EndRun records the run's final counters (coverage).
	EndRun(ctx context.Context, id int64, run record.Run) error
	// WriteFlows writes flow records of run id in one transaction.
	WriteFlows(ctx context.Context, id int64, flows []record.Flow) error
	// WriteEvents writes finding events of run id in one transaction.
	WriteEvents(ctx context.Context, id int64, events []record.Event) error

	// Flows calls fn for every flow record that overlaps the query's
	// period, in (start, community_id) order.
	Flows(ctx context.Context, q Query, fn func(*record.Flow) error) error
	// Runs returns the runs that overlap the query's period.
	Runs(ctx context.Context, q Query) ([]record.Run, error)
	// Retain deletes flows, events and runs that ended before t and says
	// how many flow rows went.
	Retain(ctx context.Context, t time.Time) (int64, error)
	// Version is the schema version of the open store.
	Version(ctx context.Context) (int, error)
	// Close releases the store.
	Close() error
}

// Query selects by period and sensor; zero values select everything.
type Query struct {
	Since, Until time.Time
	Sensors      []string
}
