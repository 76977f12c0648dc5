package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/store"
)

// liveCloseTimeout bounds how long the end of a live run waits for the
// store to take the last records (a shutdown must end); reading files waits
// for all of them.
const liveCloseTimeout = 30 * time.Second

// dbSink is a run writing into a store (--db): read and watch share it.
type dbSink struct {
	st    store.Store
	w     *store.Writer
	run   int64
	block bool
}

// openSink opens the store, applies retention (deleting what ended before
// now-retain, when retain > 0), records the start of the run and starts
// the writer. block makes the writer wait for room instead of dropping
// records: for files, never for a live capture.
func openSink(ctx context.Context, dsn string, retain time.Duration, block bool, begin record.Run, stderr io.Writer) (*dbSink, error) {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if retain > 0 {
		cut := time.Now().Add(-retain)
		n, err := st.Retain(ctx, cut)
		if err != nil {
			st.Close()
			return nil, err
		}
		fmt.Fprintf(stderr, "ibmitap: retention: deleted %d flows that ended before %s\n", n, cut.UTC().Format(time.RFC3339))
	}
	id, err := st.BeginRun(ctx, begin)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &dbSink{st: st, run: id, block: block, w: store.NewWriter(st, store.WriterOptions{Run: id, Block: block})}, nil
}

// Flow queues a flow record (a copy is kept).
func (d *dbSink) Flow(r *record.Flow) { d.w.Flow(r) }

// Event queues a finding event.
func (d *dbSink) Event(e *record.Event) { d.w.Event(e) }

// Stats returns the writer's counters.
func (d *dbSink) Stats() store.WriterStats { return d.w.Stats() }

// Close writes the queued records, records the run's end with what the
// writer could not write counted as output drops, and closes the store.
func (d *dbSink) Close(run record.Run) (store.WriterStats, error) {
	ctx, cancel := context.WithCancel(context.Background())
	if !d.block {
		ctx, cancel = context.WithTimeout(context.Background(), liveCloseTimeout)
	}
	defer cancel()
	ws, werr := d.w.Close(ctx)
	run.OutputDrops += ws.Dropped + ws.Failed
	err := d.st.EndRun(ctx, d.run, run)
	if cerr := d.st.Close(); err == nil {
		err = cerr
	}
	if werr != nil {
		err = werr
	}
	return ws, err
}
