package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ibmitap/ibmitap/record"
)

// WriterOptions tune a Writer; zero values take the defaults.
type WriterOptions struct {
	// Run is the id BeginRun returned; the rows written carry it.
	Run int64
	// QueueSize bounds the records waiting to be written (default 65536).
	QueueSize int
	// BatchSize and BatchWait end a batch (one transaction): whichever
	// comes first of this many records (default 1000) or this long after
	// the batch's first record (default 200 ms).
	BatchSize int
	BatchWait time.Duration
	// Block makes Flow and Event wait for room in the queue instead of
	// dropping the record: for reading files, which can wait; never for a
	// live capture, which cannot.
	Block bool
	// RetryFor is how long a failing batch is tried again, with back-off
	// from 100 ms doubling to 5 s (default 1 minute: a database restart).
	// Past it, the batch is given up and its records counted as failed.
	RetryFor time.Duration
}

// WriterStats are a Writer's counters, for metrics and the end-of-run
// summary. Every record handed to the writer ends in exactly one of
// Written, Dropped and Failed (or is still Pending).
type WriterStats struct {
	Queued        uint64 // records accepted into the queue
	Written       uint64 // records committed to the store
	Dropped       uint64 // records refused: queue full, or the writer closed
	Failed        uint64 // records lost with a batch given up, or invalid
	Batches       uint64 // transactions committed
	FailedBatches uint64 // batches given up after retrying
	Retries       uint64 // failed attempts that were tried again
	Pending       int    // records in the queue now
	LastError     string // the last write error, "" if none
}

// Writer writes records to a Store from one goroutine, in batched
// transactions, without ever blocking its caller (unless Block is set).
// Flow and Event may be called from several goroutines.
type Writer struct {
	s    Store
	opts WriterOptions
	q    chan item
	stop chan struct{} // closed by Close: drain and end
	done chan struct{} // closed when the goroutine has ended

	ctx    context.Context // cancelled when Close's deadline passes
	cancel context.CancelFunc
	closed atomic.Bool

	queued, written, dropped, failed atomic.Uint64
	batches, failedBatches, retries  atomic.Uint64
	mu                               sync.Mutex
	lastErr                          string
}

type item struct {
	flow  *record.Flow
	event *record.Event
}

// NewWriter starts a writer on s.
func NewWriter(s Store, opts WriterOptions) *Writer {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 65536
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.BatchWait <= 0 {
		opts.BatchWait = 200 * time.Millisecond
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = time.Minute
	}
	w := &Writer{
		s: s, opts: opts,
		q:    make(chan item, opts.QueueSize),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	go w.run()
	return w
}

// Flow queues a copy of a flow record; false when it was dropped.
func (w *Writer) Flow(f *record.Flow) bool {
	c := *f
	return w.put(item{flow: &c})
}

// Event queues a copy of a finding event; false when it was dropped.
func (w *Writer) Event(e *record.Event) bool {
	c := *e
	return w.put(item{event: &c})
}

func (w *Writer) put(it item) bool {
	if w.closed.Load() {
		w.dropped.Add(1)
		return false
	}
	if w.opts.Block {
		select {
		case w.q <- it:
			w.queued.Add(1)
			return true
		case <-w.stop:
		}
	} else {
		select {
		case w.q <- it:
			w.queued.Add(1)
			return true
		default:
		}
	}
	w.dropped.Add(1)
	return false
}

// Stats returns the counters now.
func (w *Writer) Stats() WriterStats {
	w.mu.Lock()
	last := w.lastErr
	w.mu.Unlock()
	return WriterStats{
		Queued: w.queued.Load(), Written: w.written.Load(), Dropped: w.dropped.Load(),
		Failed: w.failed.Load(), Batches: w.batches.Load(), FailedBatches: w.failedBatches.Load(),
		Retries: w.retries.Load(), Pending: len(w.q), LastError: last,
	}
}

// Close writes what is queued and stops the writer. When ctx ends first,
// retries are abandoned and what is left is counted as failed or dropped.
// The error says how many records were not written, if any.
func (w *Writer) Close(ctx context.Context) (WriterStats, error) {
	if w.closed.CompareAndSwap(false, true) {
		close(w.stop)
	}
	select {
	case <-w.done:
	case <-ctx.Done():
		w.cancel()
		<-w.done
	}
	w.cancel()
	for { // records that raced with Close into the queue
		select {
		case <-w.q:
			w.queued.Add(^uint64(0))
			w.dropped.Add(1)
			continue
		default:
		}
		break
	}
	st := w.Stats()
	if st.Dropped > 0 || st.Failed > 0 {
		return st, fmt.Errorf("store: %d records not written (%d dropped, %d failed; last error: %s)",
			st.Dropped+st.Failed, st.Dropped, st.Failed, st.LastError)
	}
	return st, nil
}

func (w *Writer) setErr(err error) {
	w.mu.Lock()
	w.lastErr = err.Error()
	w.mu.Unlock()
}

// run is the one writer goroutine.
func (w *Writer) run() {
	defer close(w.done)
	var flows []record.Flow
	var events []record.Event
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	add := func(it item) {
		switch {
		case it.flow != nil:
			if err := checkFlow(it.flow); err != nil {
				w.failed.Add(1)
				w.setErr(err)
				return
			}
			flows = append(flows, *it.flow)
		case it.event != nil:
			if _, err := parseTime(it.event.Time); err != nil {
				w.failed.Add(1)
				w.setErr(fmt.Errorf("finding event %s: time: %w", it.event.CommunityID, err))
				return
			}
			events = append(events, *it.event)
		}
		if len(flows)+len(events) == 1 {
			timer.Reset(w.opts.BatchWait)
		}
	}
	flush := func() {
		timer.Stop()
		if len(flows)+len(events) > 0 {
			w.commit(flows, events)
		}
		flows, events = flows[:0], events[:0]
	}
	for {
		select {
		case it := <-w.q:
			add(it)
			if len(flows)+len(events) >= w.opts.BatchSize {
				flush()
			}
		case <-timer.C:
			flush()
		case <-w.stop:
			for {
				select {
				case it := <-w.q:
					add(it)
					if len(flows)+len(events) >= w.opts.BatchSize {
						flush()
					}
					continue
				default:
				}
				flush()
				return
			}
		}
	}
}

// commit writes one batch, trying again with back-off while RetryFor
// lasts. Writes are idempotent, so a batch whose flows were committed
// before its events failed is simply written again.
func (w *Writer) commit(flows []record.Flow, events []record.Event) {
	n := uint64(len(flows) + len(events))
	giveUp := time.Now().Add(w.opts.RetryFor)
	backoff := 100 * time.Millisecond
	for {
		err := w.s.WriteFlows(w.ctx, w.opts.Run, flows)
		if err == nil {
			err = w.s.WriteEvents(w.ctx, w.opts.Run, events)
		}
		if err == nil {
			w.written.Add(n)
			w.batches.Add(1)
			return
		}
		w.setErr(err)
		if w.ctx.Err() != nil || time.Now().Add(backoff).After(giveUp) {
			w.failed.Add(n)
			w.failedBatches.Add(1)
			return
		}
		w.retries.Add(1)
		select {
		case <-time.After(backoff):
		case <-w.ctx.Done():
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// checkFlow finds what would make a whole batch fail, so one bad record is
// counted alone instead.
func checkFlow(f *record.Flow) error {
	if f.CommunityID == "" {
		return fmt.Errorf("flow starting %s: no community_id", f.Start)
	}
	if _, err := parseTime(f.Start); err != nil {
		return fmt.Errorf("flow %s: start: %w", f.CommunityID, err)
	}
	if _, err := parseTime(f.End); err != nil {
		return fmt.Errorf("flow %s: end: %w", f.CommunityID, err)
	}
	return nil
}
