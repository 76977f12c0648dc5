package ship

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ibmitap/ibmitap/record"
)

// ProducerConfig adds the producer's batching and bounds to Config. Zero
// values take the defaults noted on each field.
type ProducerConfig struct {
	Config
	// Linger is how long a partition's batch waits for more records
	// (default 20ms): a few milliseconds of latency buy larger batches.
	Linger time.Duration
	// BatchMaxBytes bounds one record batch (default 1 MiB, the brokers'
	// default message.max.bytes).
	BatchMaxBytes int32
	// Compression is zstd (default), lz4, snappy, gzip or none.
	Compression string
	// QueueSize bounds the in-process queue in front of the client
	// (default 16384 records). When it is full, records are refused and
	// counted: capture never waits on Kafka.
	QueueSize int
	// MaxBuffered bounds the records the client holds in flight or
	// waiting for a broker (default 65536), MaxBufferedBytes their bytes
	// (default 64 MiB). Memory is bounded by these and QueueSize.
	MaxBuffered      int
	MaxBufferedBytes int
	// DeliveryTimeout fails a record that could not be delivered for this
	// long (default 0: keep retrying while the bounds above hold, so an
	// outage shorter than the buffers loses nothing).
	DeliveryTimeout time.Duration
}

// Compressions are the accepted values of ProducerConfig.Compression.
var Compressions = []string{"zstd", "lz4", "snappy", "gzip", "none"}

func codec(name string) (kgo.CompressionCodec, error) {
	switch strings.ToLower(name) {
	case "", "zstd":
		return kgo.ZstdCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "none":
		return kgo.NoCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("compression %q: want one of %s", name, strings.Join(Compressions, ", "))
}

// Stats counts what the producer did with the records it was given. Every
// record handed to it ends in exactly one of Sent, QueueFull, Failed and
// Shutdown, or is still Pending.
type Stats struct {
	Queued    uint64 // accepted into the queue
	Sent      uint64 // acknowledged by the brokers
	QueueFull uint64 // refused because the queue was full (Kafka slow or away)
	Failed    uint64 // delivery failed (retries or delivery timeout exhausted, rejected by the brokers)
	Shutdown  uint64 // still unsent when the producer was closed
	Pending   uint64 // queued or buffered, not yet acknowledged
	// LastError is the last delivery error, "" if none.
	LastError string
}

// Unsent is every record that will never reach Kafka.
func (s Stats) Unsent() uint64 { return s.QueueFull + s.Failed + s.Shutdown }

// String is the one-line summary printed at exit.
func (s Stats) String() string {
	out := fmt.Sprintf("kafka: sent=%d unsent=%d (queue_full=%d failed=%d shutdown=%d)", s.Sent, s.Unsent(), s.QueueFull, s.Failed, s.Shutdown)
	if s.LastError != "" {
		out += " last error: " + s.LastError
	}
	return out
}

// Producer sends records to one topic without ever blocking its caller.
// Flow, Event and Run may be called from one goroutine at a time (the
// capture path); Stats from any.
type Producer struct {
	cl    *kgo.Client
	topic string
	q     chan *kgo.Record
	stop  chan struct{}
	done  chan struct{} // the pump has returned
	ctx   context.Context
	abort context.CancelFunc

	closing                                       atomic.Bool
	queued, sent, full, failed, shutdown, settled atomic.Uint64
	lastErr                                       atomic.Pointer[string]
	closeOnce                                     sync.Once
}

// NewProducer checks the configuration and starts the client. It does not
// wait for a broker: brokers that cannot be reached yet are retried in the
// background while records queue up to the bounds.
func NewProducer(cfg ProducerConfig) (*Producer, error) {
	opts, err := cfg.clientOpts()
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", err)
	}
	comp, err := codec(cfg.Compression)
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", err)
	}
	def := func(v, d int) int {
		if v <= 0 {
			return d
		}
		return v
	}
	linger := cfg.Linger
	if linger <= 0 {
		linger = 20 * time.Millisecond
	}
	batch := cfg.BatchMaxBytes
	if batch <= 0 {
		batch = 1 << 20
	}
	opts = append(opts,
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.ProducerLinger(linger),
		kgo.ProducerBatchMaxBytes(batch),
		kgo.ProducerBatchCompression(comp),
		kgo.MaxBufferedRecords(def(cfg.MaxBuffered, 65536)),
		kgo.MaxBufferedBytes(def(cfg.MaxBufferedBytes, 64<<20)),
		// Idempotence is franz-go's default and stays on: a retried batch
		// is written once. All in-sync replicas acknowledge.
		kgo.RequiredAcks(kgo.AllISRAcks()),
	)
	if cfg.DeliveryTimeout > 0 {
		opts = append(opts, kgo.RecordDeliveryTimeout(cfg.DeliveryTimeout))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", err)
	}
	ctx, abort := context.WithCancel(context.Background())
	p := &Producer{
		cl:    cl,
		topic: cfg.Topic,
		q:     make(chan *kgo.Record, def(cfg.QueueSize, 16384)),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		ctx:   ctx,
		abort: abort,
	}
	go p.pump()
	return p, nil
}

// Flow queues one flow record, keyed by its server's address. It reports
// whether the record was accepted; a refusal is counted.
func (p *Producer) Flow(f *record.Flow) bool {
	return p.enqueue(f.ServerAddr(), record.AppendFlow(nil, f))
}

// Event queues one finding event, keyed like its flow.
func (p *Producer) Event(e *record.Event) bool {
	return p.enqueue(hostOf(e.Server), record.AppendEvent(nil, e))
}

// Line queues a flow record's or a finding event's JSON line as
// record.AppendFlowOf or AppendEventOf wrote it (with its newline), keyed
// like Flow and Event by the address of the flow's server: for callers
// that never build the record. The producer keeps line until it is sent;
// the caller must not change it (other readers of it may share it).
func (p *Producer) Line(server netip.AddrPort, line []byte) bool {
	return p.enqueue(addrKey(server), line)
}

// addrKey is hostOf(server.String()) without the round trip through text
// when the address has no zone (always, from a capture).
func addrKey(server netip.AddrPort) string {
	if a := server.Addr(); a.IsValid() && a.Zone() == "" {
		return a.String()
	}
	return hostOf(server.String())
}

// Run queues a run summary, keyed by its sensor.
func (p *Producer) Run(r *record.Run) bool {
	return p.enqueue(r.Sensor, record.AppendRun(nil, r))
}

func (p *Producer) enqueue(key string, line []byte) bool {
	if p.closing.Load() {
		p.shutdown.Add(1)
		return false
	}
	// The message is the JSON line without its newline: one record per
	// message, as a consumer expects.
	line = line[:len(line)-1]
	r := &kgo.Record{Topic: p.topic, Key: []byte(key), Value: line}
	select {
	case p.q <- r:
		p.queued.Add(1)
		return true
	default:
		p.full.Add(1)
		return false
	}
}

// pump hands queued records to the client. Produce may block here when the
// client's buffer is full (a broker away); the queue in front absorbs that
// and, once full, refuses records instead of blocking the capture.
func (p *Producer) pump() {
	defer close(p.done)
	for {
		select {
		case r := <-p.q:
			p.cl.Produce(p.ctx, r, p.promise)
		case <-p.stop:
			for {
				select {
				case r := <-p.q:
					if p.ctx.Err() != nil {
						p.dropQueued()
						continue
					}
					p.cl.Produce(p.ctx, r, p.promise)
				default:
					return
				}
			}
		}
	}
}

// dropQueued counts a queued record that never went to the client.
func (p *Producer) dropQueued() {
	p.shutdown.Add(1)
	p.settled.Add(1)
}

func (p *Producer) promise(_ *kgo.Record, err error) {
	p.settled.Add(1)
	if err == nil {
		p.sent.Add(1)
		return
	}
	if p.closing.Load() && (errors.Is(err, kgo.ErrClientClosed) || errors.Is(err, context.Canceled)) {
		p.shutdown.Add(1)
		return
	}
	p.failed.Add(1)
	msg := err.Error()
	p.lastErr.Store(&msg)
}

// Stats returns the counters so far.
func (p *Producer) Stats() Stats {
	s := Stats{
		Queued:    p.queued.Load(),
		Sent:      p.sent.Load(),
		QueueFull: p.full.Load(),
		Failed:    p.failed.Load(),
		Shutdown:  p.shutdown.Load(),
	}
	// Records refused at the door never reached the queue; of the queued
	// ones, those not yet settled (by a promise, or dropped from the queue
	// at shutdown) are pending.
	if done := p.settled.Load(); s.Queued > done {
		s.Pending = s.Queued - done
	}
	if e := p.lastErr.Load(); e != nil {
		s.LastError = *e
	}
	return s
}

// Close stops accepting records, sends what is queued until ctx ends, then
// closes the client; what is still unsent then is counted as Shutdown. It
// returns the final counters. Call it once the caller will queue no more.
func (p *Producer) Close(ctx context.Context) Stats {
	p.closeOnce.Do(func() {
		p.closing.Store(true)
		close(p.stop)
		select {
		case <-p.done:
		case <-ctx.Done():
			p.abort() // unblocks a Produce waiting for buffer space
			<-p.done
		}
		if ctx.Err() == nil {
			_ = p.cl.Flush(ctx) // returns at ctx's end if a broker is away
		}
		p.abort()
		p.cl.Close() // fails what is still buffered: promises count it
		for drained := false; !drained; {
			select {
			case <-p.q:
				p.dropQueued()
			default:
				drained = true
			}
		}
		// Close returns before the last promises ran (they run on
		// franz-go's promise goroutine): wait for them, briefly, so the
		// counters add up.
		for deadline := time.Now().Add(5 * time.Second); p.settled.Load() < p.queued.Load() && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	})
	return p.Stats()
}

// Ping says whether a broker answers within ctx (for a start-up warning;
// the producer works without it).
func (p *Producer) Ping(ctx context.Context) error { return p.cl.Ping(ctx) }

func hostOf(ap string) string {
	if x, err := netip.ParseAddrPort(ap); err == nil {
		return x.Addr().String()
	}
	if i := strings.LastIndexByte(ap, ':'); i >= 0 {
		return strings.Trim(ap[:i], "[]")
	}
	return ap
}
