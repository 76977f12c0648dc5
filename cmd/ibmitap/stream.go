package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/catalog"
	"github.com/ibmitap/ibmitap/classify"
	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/report"
	"github.com/ibmitap/ibmitap/sensor"
)

// streamLinger is how long a closed flow waits for its last ACKs while
// streaming: short, so its record follows its FIN within a second.
const streamLinger = 500 * time.Millisecond

// pollInterval is how often an idle input is looked at: flows end, findings
// are written and signals are obeyed within it.
const pollInterval = 100 * time.Millisecond

// isStream reports whether r is a pipe, socket or terminal rather than a
// regular file: such input is read as it comes (`tcpdump -U -w - | ibmitap
// read -`). A reader that is no file at all (tests) is read as a file.
func isStream(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err != nil || !st.Mode().IsRegular()
}

// stopFlag turns the context's end into a flag the capture loop checks
// every packet and every poll.
func stopFlag(ctx context.Context) *atomic.Bool {
	var stop atomic.Bool
	go func() {
		<-ctx.Done()
		stop.Store(true)
	}()
	return &stop
}

// streamOptions are the read flags that apply to the streaming path.
type streamOptions struct {
	out       string
	cat       *catalog.Catalog
	maxFlows  int
	headBytes int
	failRank  int
	sensor    string // --sensor, written into every line when set
}

// cmdReadStream reads JSON lines from a capture arriving on standard input:
// finding events as they are proven, flow records as flows end, each line
// flushed, and a signal obeyed within a poll.
func cmdReadStream(ctx context.Context, o streamOptions, stdin io.Reader, stdout, stderr io.Writer) int {
	var sink sensor.Sink = sensor.WriterSink{W: stdout}
	if o.out != "" {
		fs, err := sensor.OpenFileSink(o.out, 0, 0)
		if err != nil {
			fmt.Fprintf(stderr, "ibmitap read: %v\n", err)
			return exitError
		}
		sink = fs
	}
	onErr := func(err error) { fmt.Fprintf(stderr, "ibmitap read: writing output: %v\n", err) }
	out := sensor.NewOutput("output", sink, 4096, true, onErr)
	acc := newRunAccount()
	pipe := &sensor.Pipeline{Out: out, OnRecord: acc.add, Sensor: o.sensor}
	eng, err := classify.New(classify.Config{
		Catalog: o.cat, MaxFlows: o.maxFlows, HeadBytes: o.headBytes,
		Linger: streamLinger, Emit: pipe.Emit, Finding: pipe.Finding, ReuseFlow: true,
	})
	if err != nil {
		fmt.Fprintf(stderr, "ibmitap read: %v\n", err)
		return exitError
	}
	stop := stopFlag(ctx)
	loop := &sensor.Loop{Eng: eng, Stop: stop}
	in := sensor.NewIdleReader(stdin, pollInterval, stop, loop.Tick)
	status := exitOK
	var src *capture.File
	// Opening reads the file header, which may itself be slow to come.
	src, err = capture.NewReader("stdin", in)
	if err != nil {
		if !stop.Load() {
			fmt.Fprintf(stderr, "ibmitap read: %v\n", err)
		}
		out.Close()
		return exitError
	}
	loop.Src = src
	err = loop.Run()
	reason := classify.EndFlush
	if stop.Load() {
		reason = classify.EndShutdown
		fmt.Fprintln(stderr, "ibmitap read: interrupted; reporting the flows read so far")
		status = exitError
	} else if err != nil {
		fmt.Fprintf(stderr, "ibmitap read: %v\n", err)
		status = exitError
	}
	eng.FlushWith(reason)
	cs := src.Stats()
	run := runSummary([]string{"stdin"}, []capture.Stats{cs}, eng.Stats(), acc)
	run.OutputDrops = out.Stats().Dropped
	out.Send(record.AppendRun(nil, &run))
	if err := out.Close(); err != nil {
		fmt.Fprintf(stderr, "ibmitap read: writing output: %v\n", err)
		status = exitError
	}
	sum := report.Summary{Inputs: []string{"-"}, Counters: counters([]capture.Stats{cs}, eng.Stats())}
	st := out.Stats()
	fmt.Fprintf(stderr, "ibmitap: %s findings=%d gap_bytes=%d output_dropped=%d\n", counterLine(sum.Counters), eng.Stats().FindingEvents, eng.Stats().GapBytes, st.Dropped)
	if status == exitOK && o.failRank > 0 && pipe.Worst() >= o.failRank {
		return exitFindings
	}
	return status
}
