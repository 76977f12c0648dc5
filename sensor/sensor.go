package sensor

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/classify"
)

// Sensor runs one or more workers, each a capture source feeding its own
// engine (with AF_PACKET fanout, every host pair stays on one worker), into
// shared outputs; it publishes their counters and writes the stats line.
type Sensor struct {
	Pipe *Pipeline
	// Stop ends every worker at its next packet or poll.
	Stop atomic.Bool
	// StatsEvery writes a stats line to Stderr this often (0: only the
	// final one).
	StatsEvery time.Duration
	Stderr     io.Writer
	// Outputs are the queues whose counters the stats line and metrics
	// show (the record output first).
	Outputs []*Output
	// Transient reports whether a source error is passing (an interface
	// that went down and is retried): it is reported and the worker goes
	// on. Idle reports whether it only says no packet came.
	Transient func(error) bool
	Idle      func(error) bool

	workers []*worker
	started time.Time
	mu      sync.Mutex // serialises stderr lines
}

type worker struct {
	src   capture.Source
	eng   Engine
	mu    sync.Mutex
	snap  Snapshot
	fresh time.Time
}

// Add adds a worker; call before Run.
func (s *Sensor) Add(src capture.Source, eng Engine) {
	s.workers = append(s.workers, &worker{src: src, eng: eng})
}

// publishPeriod is how often a worker publishes its counters.
const publishPeriod = 250 * time.Millisecond

// Run runs the workers until their sources end or Stop is set, then writes
// every open flow with reason and the final stats line. It returns the
// first fatal source error.
func (s *Sensor) Run(reason string) error {
	s.started = time.Now()
	errs := make([]error, len(s.workers))
	var wg sync.WaitGroup
	done := make(chan struct{})
	for i, w := range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.runWorker(w, reason)
		}()
	}
	if s.StatsEvery > 0 {
		go func() {
			t := time.NewTicker(s.StatsEvery)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					s.statsLine("stats")
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	return errors.Join(errs...)
}

func (s *Sensor) runWorker(w *worker, reason string) error {
	loop := &Loop{
		Src: w.src, Eng: w.eng, Stop: &s.Stop, Period: publishPeriod,
		Every: func() { s.publish(w) }, Idle: s.Idle, Transient: s.Transient,
		OnError: func(err error) { s.printf("ibmitap watch: %v\n", err) },
	}
	err := loop.Run()
	if !s.Stop.Load() && err == nil {
		reason = classify.EndFlush // the source ended by itself (a file)
	}
	w.eng.FlushWith(reason)
	s.publish(w)
	return err
}

func (s *Sensor) publish(w *worker) {
	snap := Snapshot{Time: time.Now(), Capture: w.src.Stats(), Engine: w.eng.Stats()}
	w.mu.Lock()
	w.snap, w.fresh = snap, snap.Time
	w.mu.Unlock()
}

// Snapshot returns the counters of all workers added up.
func (s *Sensor) Snapshot() Snapshot {
	var t Snapshot
	for i, w := range s.workers {
		w.mu.Lock()
		snap := w.snap
		w.mu.Unlock()
		if i == 0 || snap.Time.Before(t.Time) {
			t.Time = snap.Time // the oldest: how fresh the sum is
		}
		t.add(&snap)
	}
	return t
}

// OutputStats adds up the counters of the outputs.
func (s *Sensor) OutputStats() OutputStats {
	var t OutputStats
	for _, o := range s.Outputs {
		st := o.Stats()
		t.Written += st.Written
		t.Dropped += st.Dropped
		t.Errors += st.Errors
		t.Reopens += st.Reopens
	}
	return t
}

// Healthy reports whether every worker published within the last few
// seconds (a wedged capture loop makes /healthz fail).
func (s *Sensor) Healthy() bool {
	for _, w := range s.workers {
		w.mu.Lock()
		fresh := w.fresh
		w.mu.Unlock()
		if time.Since(fresh) > 5*time.Second {
			return false
		}
	}
	return len(s.workers) > 0
}

// FinalStats writes the last stats line (after Run).
func (s *Sensor) FinalStats() { s.statsLine("final") }

func (s *Sensor) statsLine(kind string) {
	snap := s.Snapshot()
	s.printf("ibmitap: %s %s\n", kind, StatsLine(&snap, s.Outputs))
}

func (s *Sensor) printf(format string, args ...any) {
	if s.Stderr == nil {
		return
	}
	s.mu.Lock()
	fmt.Fprintf(s.Stderr, format, args...)
	s.mu.Unlock()
}
