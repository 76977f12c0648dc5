package sensor

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/classify"
)

// Engine is what a Loop feeds: classify.Engine, or a sharded engine with
// the same methods.
type Engine interface {
	Packet(p *capture.Packet)
	Advance(now time.Time)
	FlushWith(reason string)
	Stats() classify.Stats
}

// Timeout is implemented by the error a live source's Next returns when no
// packet came within its poll time (the source stays usable).
type Timeout interface{ Timeout() bool }

// IsIdle reports whether err from Next only says that no packet came.
func IsIdle(err error) bool {
	var t Timeout
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &t) && t.Timeout())
}

// Loop drives one source into an engine. Between packets, and whenever the
// source is idle, it keeps the engine's clock moving with the wall clock,
// so flows end and findings are written on a quiet link, and it checks
// Stop, so a signal is obeyed within one poll.
type Loop struct {
	Src capture.Source
	Eng Engine
	// Stop ends the loop at the next packet or idle poll.
	Stop *atomic.Bool
	// Every, when set, is called on the loop's goroutine about every
	// Period (and once at the end), e.g. to publish counters for metrics.
	Every  func()
	Period time.Duration
	// Idle, when set, reports whether a Next error only says that no
	// packet came (besides IsIdle's); Transient whether it is passing
	// (an interface lost and retried): OnError hears of it, the loop
	// goes on.
	Idle      func(error) bool
	Transient func(error) bool
	OnError   func(error)

	n          uint64    // packets fed
	lastTS     time.Time // the last packet's time
	anchorN    uint64    // packet count when the idle anchor was set
	anchorTS   time.Time // the last packet's time then
	anchorWall time.Time // the wall-clock time then
	nextEvery  time.Time
}

// errStopped ends a pipe read when Stop is set.
var errStopped = errors.New("sensor: stopped")

// Run feeds packets until the source ends (nil), Stop is set (nil) or the
// source fails (its error). It does not flush the engine.
func (l *Loop) Run() error {
	if l.Period <= 0 {
		l.Period = time.Second
	}
	l.nextEvery = time.Now().Add(l.Period)
	defer l.every()
	var p capture.Packet
	for {
		if l.Stop != nil && l.Stop.Load() {
			return nil
		}
		err := l.Src.Next(&p)
		if err != nil {
			switch {
			case l.Stop != nil && l.Stop.Load():
				return nil
			case errors.Is(err, io.EOF):
				return nil
			case errors.Is(err, capture.ErrClosed):
				// A live source closed on the signal, before Stop was
				// seen: a stop all the same.
				if l.Stop != nil {
					l.Stop.Store(true)
				}
				return nil
			case IsIdle(err) || (l.Idle != nil && l.Idle(err)):
				l.Tick()
				continue
			case l.Transient != nil && l.Transient(err):
				if l.OnError != nil {
					l.OnError(err)
				}
				l.Tick()
				continue
			}
			return err
		}
		l.Eng.Packet(&p)
		l.lastTS = p.Timestamp
		l.n++
		if l.n&0xFFF == 0 && l.Every != nil && time.Now().After(l.nextEvery) {
			l.every()
		}
	}
}

// Tick advances the engine by the wall-clock time since the packets
// stopped, on the packets' own clock (a replayed old capture keeps its
// times). The first idle poll after a packet anchors the two clocks. The
// source calls it while it waits (IdleReader), the loop on each idle
// return of Next.
func (l *Loop) Tick() {
	now := time.Now()
	if l.n > 0 {
		if l.anchorN != l.n {
			l.anchorN, l.anchorTS, l.anchorWall = l.n, l.lastTS, now
		}
		l.Eng.Advance(l.anchorTS.Add(now.Sub(l.anchorWall)))
	}
	if l.Every != nil && now.After(l.nextEvery) {
		l.every()
	}
}

func (l *Loop) every() {
	if l.Every != nil {
		l.Every()
	}
	l.nextEvery = time.Now().Add(l.Period)
}

// IdleReader reads a stream (a pipe) through a goroutine so that the
// reader's caller never blocks longer than Poll: while no bytes come, each
// Poll it calls Idle (on the caller's goroutine, between two packets: the
// engine may be used), and once Stop is set it returns an error.
type IdleReader struct {
	Idle func()
	Stop *atomic.Bool
	Poll time.Duration

	ch   chan []byte
	free chan []byte
	cur  []byte
	buf  []byte // the chunk cur is part of, to give back
	err  atomic.Value
	done chan struct{}
}

// NewIdleReader starts reading r in 64 KiB chunks.
func NewIdleReader(r io.Reader, poll time.Duration, stop *atomic.Bool, idle func()) *IdleReader {
	ir := &IdleReader{Idle: idle, Stop: stop, Poll: poll, ch: make(chan []byte, 4), free: make(chan []byte, 5), done: make(chan struct{})}
	for range 5 {
		ir.free <- make([]byte, 64<<10)
	}
	go ir.fill(r)
	return ir
}

func (ir *IdleReader) fill(r io.Reader) {
	defer close(ir.done)
	for {
		b := <-ir.free
		n, err := r.Read(b[:cap(b)])
		if n > 0 {
			ir.ch <- b[:n]
		} else {
			ir.free <- b
		}
		if err != nil {
			ir.err.Store(err)
			close(ir.ch)
			return
		}
	}
}

// Read returns the next bytes of the stream.
func (ir *IdleReader) Read(p []byte) (int, error) {
	for len(ir.cur) == 0 {
		if ir.buf != nil {
			ir.free <- ir.buf
			ir.buf = nil
		}
		if ir.Stop != nil && ir.Stop.Load() {
			return 0, errStopped
		}
		select {
		case b, ok := <-ir.ch:
			if !ok {
				if err, _ := ir.err.Load().(error); err != nil {
					return 0, err
				}
				return 0, io.EOF
			}
			ir.cur, ir.buf = b, b
		case <-time.After(ir.Poll):
			if ir.Idle != nil {
				ir.Idle()
			}
		}
	}
	n := copy(p, ir.cur)
	ir.cur = ir.cur[n:]
	return n, nil
}
