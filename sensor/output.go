package sensor

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// Sink is where an Output's writer puts lines: a file, standard output, a
// syslog connection. Only the Output's writer goroutine calls it.
type Sink interface {
	// Write writes whole lines, unbuffered (to the kernel or the network):
	// what Write accepted is written.
	Write(p []byte) error
	// Reopen closes and opens the destination again (SIGHUP, logrotate).
	Reopen() error
	Close() error
}

// OutputStats counts what an Output did with the lines it was given.
type OutputStats struct {
	Written uint64 // lines written to the sink
	Dropped uint64 // lines lost: the queue was full, or the sink failed
	Errors  uint64 // sink errors (each may have lost lines, counted in Dropped)
	Reopens uint64
}

// Output is a bounded queue of lines in front of one writer goroutine. Send
// never blocks unless the Output was made blocking (read from a pipe, where
// back-pressure is right): a full queue drops the line and counts it.
type Output struct {
	name  string
	sink  Sink
	q     chan []byte
	ctl   chan chan error
	done  chan struct{}
	block bool
	once  sync.Once
	// onError reports a sink failure (at most once a burst); nil ignores.
	onError func(error)

	written, dropped, errs, reopens atomic.Uint64
}

// NewOutput starts the writer of sink with a queue of size lines. name is
// used in error messages.
func NewOutput(name string, sink Sink, size int, block bool, onError func(error)) *Output {
	if size < 1 {
		size = 1
	}
	o := &Output{
		name: name, sink: sink, block: block, onError: onError,
		q: make(chan []byte, size), ctl: make(chan chan error), done: make(chan struct{}),
	}
	go o.run()
	return o
}

// Send queues one line (ending in a newline). The Output owns it from here.
func (o *Output) Send(line []byte) {
	if o.block {
		o.q <- line
		return
	}
	select {
	case o.q <- line:
	default:
		o.dropped.Add(1)
	}
}

// Reopen asks the writer to reopen its sink after the lines queued so far
// and waits for the result.
func (o *Output) Reopen() error {
	c := make(chan error, 1)
	select {
	case o.ctl <- c:
		return <-c
	case <-o.done:
		return errors.New("sensor: output closed")
	}
}

// Close writes what is queued, closes the sink and returns its error.
func (o *Output) Close() error {
	var err error
	o.once.Do(func() {
		close(o.q)
		<-o.done
		err = o.sink.Close()
	})
	return err
}

// Stats returns the Output's counters (safe at any time).
func (o *Output) Stats() OutputStats {
	return OutputStats{Written: o.written.Load(), Dropped: o.dropped.Load(), Errors: o.errs.Load(), Reopens: o.reopens.Load()}
}

func (o *Output) run() {
	defer close(o.done)
	failing := false
	var batch []byte
	// write hands the sink everything queued so far in one write: lines
	// are never held back while the writer is idle, and a busy queue
	// costs one system call per batch, not per line.
	write := func(first []byte) (open bool) {
		batch = append(batch[:0], first...)
		n := uint64(1)
		open = true
		for more := true; more && len(batch) < maxBatch; {
			select {
			case line, ok := <-o.q:
				if !ok {
					open, more = false, false
					break
				}
				batch = append(batch, line...)
				n++
			default:
				more = false
			}
		}
		if err := o.sink.Write(batch); err != nil {
			o.fail(err, &failing)
			o.dropped.Add(n)
		} else {
			o.written.Add(n)
			failing = false
		}
		if cap(batch) > 4*maxBatch {
			batch = nil // one huge line must not pin its buffer
		}
		return open
	}
	for {
		select {
		case line, ok := <-o.q:
			if !ok || !write(line) {
				return
			}
		case c := <-o.ctl:
			err := o.sink.Reopen()
			if err != nil {
				o.fail(err, &failing)
			} else {
				o.reopens.Add(1)
				failing = false
			}
			c <- err
		}
	}
}

// maxBatch bounds the bytes handed to the sink in one write.
const maxBatch = 256 << 10

// fail counts a sink error and reports the first of a burst.
func (o *Output) fail(err error, failing *bool) {
	o.errs.Add(1)
	if !*failing && o.onError != nil {
		o.onError(fmt.Errorf("%s: %w", o.name, err))
	}
	*failing = true
}

// WriterSink adapts an io.Writer that cannot be reopened (standard output).
type WriterSink struct{ W io.Writer }

// Write writes p.
func (s WriterSink) Write(p []byte) error { _, err := s.W.Write(p); return err }

// Reopen does nothing: standard output stays.
func (s WriterSink) Reopen() error { return nil }

// Close does nothing: the caller owns W.
func (s WriterSink) Close() error { return nil }
