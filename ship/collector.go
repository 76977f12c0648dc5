package ship

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/store"
)

// CollectorConfig adds the consumer group and batching to Config. Zero
// values take the defaults noted on each field.
type CollectorConfig struct {
	Config
	// Group is the consumer group; collectors of one group share the
	// topic's partitions.
	Group string
	// Batch bounds the records written (and committed) together
	// (default 5000).
	Batch int
	// SessionTimeout is how long the group waits for a silent member
	// before giving its partitions to the others (default 10s): a killed
	// collector's partitions move on after this.
	SessionTimeout time.Duration
	// RetryMax caps the back-off between attempts to write a batch while
	// the database is away (default 30s).
	RetryMax time.Duration
	// Grace is how long, once asked to stop, the collector still tries to
	// write and commit the batch in hand (default 30s).
	Grace time.Duration
	// Logf receives what a person should see (malformed messages, write
	// retries); nil discards it.
	Logf func(format string, args ...any)
}

// CollectorStats counts what a collector did.
type CollectorStats struct {
	Messages    uint64 // Kafka messages read
	Flows       uint64 // flow records written (a redelivered record counts again)
	Events      uint64 // finding events written
	Runs        uint64 // run summaries written
	RunsKnown   uint64 // run summaries already in the store (redelivered)
	Malformed   uint64 // messages that were not a record: skipped, logged
	Batches     uint64 // batches written and committed
	WriteErrors uint64 // failed attempts to write a batch (retried)
	CommitErrs  uint64 // failed offset commits (the batch is read again)
}

// String is the summary printed at exit.
func (s CollectorStats) String() string {
	return fmt.Sprintf("collect: messages=%d flows=%d events=%d runs=%d runs_known=%d malformed=%d batches=%d write_errors=%d commit_errors=%d",
		s.Messages, s.Flows, s.Events, s.Runs, s.RunsKnown, s.Malformed, s.Batches, s.WriteErrors, s.CommitErrs)
}

// Collector consumes records from Kafka into a store: at least once, with
// idempotent writes, offsets committed only after the database committed.
type Collector struct {
	cfg CollectorConfig
	cl  *kgo.Client
	st  store.Store

	messages, flows, events, runs, runsKnown, malformed, batches, writeErrs, commitErrs atomic.Uint64
}

// NewCollector joins cfg.Group on the brokers (in the background: it does
// not wait for them) and will write into st.
func NewCollector(cfg CollectorConfig, st store.Store) (*Collector, error) {
	opts, err := cfg.clientOpts()
	if err != nil {
		return nil, fmt.Errorf("kafka collector: %w", err)
	}
	if cfg.Group == "" {
		return nil, errors.New("kafka collector: no consumer group given")
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 5000
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 10 * time.Second
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 30 * time.Second
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 30 * time.Second
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	opts = append(opts,
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topic),
		// A new group starts at the oldest record kept: a collector
		// started after the sensors still stores what they sent.
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// Offsets are committed by hand, after the database commit, for
		// exactly the records written.
		kgo.DisableAutoCommit(),
		// A rebalance waits until the batch in hand is written and
		// committed, so no other collector re-reads it meanwhile and no
		// commit lands for a partition this one lost.
		kgo.BlockRebalanceOnPoll(),
		kgo.SessionTimeout(cfg.SessionTimeout),
		kgo.FetchMaxWait(500*time.Millisecond),
		// Read only what producers committed (transactional producers).
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka collector: %w", err)
	}
	return &Collector{cfg: cfg, cl: cl, st: st}, nil
}

// Ping says whether a broker answers within ctx.
func (c *Collector) Ping(ctx context.Context) error { return c.cl.Ping(ctx) }

// Stats returns the counters so far.
func (c *Collector) Stats() CollectorStats {
	return CollectorStats{
		Messages: c.messages.Load(), Flows: c.flows.Load(), Events: c.events.Load(),
		Runs: c.runs.Load(), RunsKnown: c.runsKnown.Load(), Malformed: c.malformed.Load(),
		Batches: c.batches.Load(), WriteErrors: c.writeErrs.Load(), CommitErrs: c.commitErrs.Load(),
	}
}

// Run consumes until ctx ends, then finishes the batch in hand (writes it
// and commits its offsets, for at most Grace), leaves the group and
// returns. It returns an error only when the batch in hand could not be
// written in time: its offsets are not committed, so it is read again by
// the next collector, and nothing is lost.
func (c *Collector) Run(ctx context.Context) error {
	defer c.cl.Close()
	for {
		fs := c.cl.PollRecords(ctx, c.cfg.Batch)
		if fs.IsClientClosed() {
			return nil
		}
		fs.EachError(func(topic string, p int32, err error) {
			if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
				c.cfg.Logf("kafka %s/%d: %v", topic, p, err)
			}
		})
		recs := fs.Records()
		if len(recs) > 0 {
			if err := c.handle(ctx, recs); err != nil {
				c.cl.AllowRebalance()
				return err
			}
		}
		c.cl.AllowRebalance()
		if ctx.Err() != nil {
			return nil
		}
	}
}

// batch is what one poll holds, by kind.
type batch struct {
	flows  []record.Flow
	events []record.Event
	runs   []record.Run
}

// handle writes one poll's records and commits their offsets. A write that
// fails is retried with back-off and nothing is committed meanwhile; once
// ctx ends the retries go on for Grace.
func (c *Collector) handle(ctx context.Context, recs []*kgo.Record) error {
	c.messages.Add(uint64(len(recs)))
	var b batch
	for _, r := range recs {
		c.decode(r, &b)
	}
	// The work outlives a stop request by Grace: SIGTERM finishes the
	// batch rather than abandon it half-way.
	work, cancel := graceContext(ctx, c.cfg.Grace)
	defer cancel()
	delay := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := c.write(work, &b)
		if err == nil {
			break
		}
		c.writeErrs.Add(1)
		if work.Err() != nil {
			return fmt.Errorf("store write failed, %d records left uncommitted (they will be read again): %w", len(recs), err)
		}
		c.cfg.Logf("store write failed (attempt %d; offsets not committed; retrying in %v): %v", attempt, delay, err)
		select {
		case <-time.After(delay):
		case <-work.Done():
		}
		delay = min(delay*2, c.cfg.RetryMax)
	}
	if err := c.cl.CommitRecords(work, recs...); err != nil {
		// The rows are in the store; the records will be read again and
		// written again, idempotently.
		c.commitErrs.Add(1)
		c.cfg.Logf("committing offsets after the store commit: %v (the batch will be read again; writes are idempotent)", err)
		return nil
	}
	c.batches.Add(1)
	return nil
}

// decode adds the records of one message to b (one JSON line, normally;
// several are read too); a message that holds none is counted and logged
// with its place, and skipped.
func (c *Collector) decode(r *kgo.Record, b *batch) {
	name := func() string {
		return fmt.Sprintf("topic %s partition %d offset %d", r.Topic, r.Partition, r.Offset)
	}
	if len(bytes.TrimSpace(r.Value)) == 0 {
		c.skip(name(), errors.New("empty message"))
		return
	}
	rest := r.Value
	for n := 1; len(rest) > 0; n++ {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		l, err := record.DecodeLine(line)
		if err == nil {
			err = valid(l)
		}
		if err != nil {
			c.skip(name(), fmt.Errorf("line %d: %w", n, err))
			continue
		}
		switch {
		case l.Flow != nil:
			b.flows = append(b.flows, *l.Flow)
		case l.Event != nil:
			b.events = append(b.events, *l.Event)
		case l.Run != nil:
			b.runs = append(b.runs, *l.Run)
		}
	}
}

// valid rejects what a store would refuse for good, so that one bad record
// is skipped instead of failing its batch again and again (a failed write is
// retried: it is taken for the database being away).
func valid(l record.Line) error {
	switch {
	case l.Flow != nil:
		f := l.Flow
		if f.CommunityID == "" {
			return errors.New("flow record without community_id")
		}
		if _, err := time.Parse(time.RFC3339Nano, f.Start); err != nil {
			return fmt.Errorf("flow record start %q is not RFC 3339", f.Start)
		}
		if _, err := time.Parse(time.RFC3339Nano, f.End); err != nil {
			return fmt.Errorf("flow record end %q is not RFC 3339", f.End)
		}
		for _, v := range []uint64{f.PacketsC2S, f.PacketsS2C, f.BytesC2S, f.BytesS2C, f.GapBytesC2S, f.GapBytesS2C} {
			if v > math.MaxInt64 {
				return fmt.Errorf("flow record counter %d out of range", v)
			}
		}
	case l.Event != nil:
		if _, err := time.Parse(time.RFC3339Nano, l.Event.Time); err != nil {
			return fmt.Errorf("finding event time %q is not RFC 3339", l.Event.Time)
		}
	case l.Run != nil:
		r := l.Run
		for _, v := range []uint64{r.Packets, r.Decoded, r.Flows, r.KernelPackets, r.KernelDrops, r.OutputDrops, r.Evicted, r.GapBytes, r.PayloadBytes} {
			if v > math.MaxInt64 {
				return fmt.Errorf("run summary counter %d out of range", v)
			}
		}
	}
	return nil
}

// skip counts a malformed message; the first ones are logged one by one,
// later ones every thousandth, so a stream of junk cannot flood the log.
func (c *Collector) skip(name string, err error) {
	n := c.malformed.Add(1)
	if n <= 20 || n%1000 == 0 {
		c.cfg.Logf("skipping malformed message at %s (%d so far): %v", name, n, err)
	}
}

// write stores one batch. Flows and events are idempotent in the store; a
// run summary is written once: a redelivered one is recognised by content.
func (c *Collector) write(ctx context.Context, b *batch) error {
	// Records from Kafka belong to no run of this collector: run id 0.
	// The sensor's run arrives as its own message.
	if err := c.st.WriteFlows(ctx, 0, b.flows); err != nil {
		return err
	}
	if err := c.st.WriteEvents(ctx, 0, b.events); err != nil {
		return err
	}
	for i := range b.runs {
		if err := c.writeRun(ctx, &b.runs[i]); err != nil {
			return err
		}
	}
	c.flows.Add(uint64(len(b.flows)))
	c.events.Add(uint64(len(b.events)))
	return nil
}

func (c *Collector) writeRun(ctx context.Context, r *record.Run) error {
	q := store.Query{}
	if r.Sensor != "" {
		q.Sensors = []string{r.Sensor}
	}
	known, err := c.st.Runs(ctx, q)
	if err != nil {
		return err
	}
	want := record.AppendRun(nil, r)
	for i := range known {
		if bytes.Equal(record.AppendRun(nil, &known[i]), want) {
			c.runsKnown.Add(1)
			return nil
		}
	}
	id, err := c.st.BeginRun(ctx, *r)
	if err != nil {
		return err
	}
	if err := c.st.EndRun(ctx, id, *r); err != nil {
		return err
	}
	c.runs.Add(1)
	return nil
}

// graceContext is a context that ends grace after parent ends.
func graceContext(parent context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	stop := context.AfterFunc(parent, func() {
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(ctx, func() { t.Stop() })
	})
	return ctx, func() { stop(); cancel() }
}
