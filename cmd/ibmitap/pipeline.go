package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/catalog"
	"github.com/ibmitap/ibmitap/classify"
	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/report"
)

// pipeline is the capture-to-records wiring that read and report share:
// capture files (one timeline) through the classifier into flow records.
type pipeline struct {
	cmd       string // "read" or "report", for messages
	catalog   *catalog.Catalog
	maxFlows  int
	headBytes int
	workers   int // classifier goroutines; 0 or 1: one engine on this goroutine
}

// classifier is an Engine or, with workers, a Pool (the same records in the
// same order).
type classifier interface {
	Packet(p *capture.Packet)
	Flush()
	Stats() classify.Stats
}

// pipelineResult is what a pipeline run counted.
type pipelineResult struct {
	summary report.Summary // counters for the table and stderr
	run     record.Run     // the run summary (ibmitap.run/1)
	opened  int            // files that could be opened
	status  int            // exitOK or exitError
	// read and decoded count the packets of all inputs, and those decoded
	// as TCP or UDP.
	read, decoded uint64
}

// numbered makes packet numbers run on across the files of one timeline, so
// a flow's first packet can be traced back to its file.
type numbered struct {
	*capture.File
	base, last uint64
}

func (n *numbered) Next(p *capture.Packet) error {
	err := n.File.Next(p)
	if err == nil {
		n.last = p.Number
		p.Number += n.base
	}
	return err
}

// fileSpan is one input's share of the running packet numbers.
type fileSpan struct {
	name       string
	base, last uint64
}

// evidence finds the file and in-file packet number of a running number
// and puts them in ev; false when no file holds it.
func evidence(spans []fileSpan, n uint64, ev *record.Evidence) bool {
	for i := len(spans) - 1; i >= 0; i-- {
		if n > spans[i].base {
			*ev = record.Evidence{File: spans[i].name, FirstPacket: n - spans[i].base}
			return true
		}
	}
	return false
}

// emitFunc receives each flow the pipeline's classifier finished, with its
// evidence (nil when none). Both are reused for the next flow
// (classify.Config.ReuseFlow): a consumer keeps a record or a copy, never f
// or ev.
type emitFunc func(f *classify.Flow, ev *record.Evidence)

// records adapts a consumer of flow records (table, CSV, store, Kafka, the
// compliance report) to the pipeline: it builds each record. Consumers that
// only need the JSON line use record.AppendFlowOf instead and build none.
func records(fn func(*record.Flow)) emitFunc {
	return func(f *classify.Flow, ev *record.Evidence) {
		rec := record.FromFlow(f)
		if ev != nil {
			e := *ev
			rec.Evidence = &e
		}
		fn(&rec)
	}
}

// run reads files and hands every finished flow to emit. Errors go to
// stderr naming the file; the flows read before an error are still emitted.
func (pl *pipeline) run(ctx context.Context, files []string, stdin io.Reader, stderr io.Writer, emit emitFunc) (pipelineResult, error) {
	var res pipelineResult
	var spans []fileSpan
	acc := newRunAccount()
	var ev record.Evidence
	cfg := classify.Config{
		Catalog:   pl.catalog,
		MaxFlows:  pl.maxFlows,
		HeadBytes: pl.headBytes,
		ReuseFlow: true,
		Emit: func(f *classify.Flow) {
			acc.add(f)
			if evidence(spans, f.FirstPacket, &ev) {
				emit(f, &ev)
			} else {
				emit(f, nil)
			}
		},
	}
	var eng classifier
	if pl.workers > 1 {
		pool, err := classify.NewPool(cfg, pl.workers)
		if err != nil {
			return res, err
		}
		defer pool.Close()
		eng = pool
	} else {
		e, err := classify.New(cfg)
		if err != nil {
			return res, err
		}
		eng = e
	}
	var capStats []capture.Stats
	prog := newProgress(stderr)
	var base uint64
	for _, name := range files {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "ibmitap %s: interrupted; reporting the flows read so far\n", pl.cmd)
			res.status = exitError
			break
		}
		f, err := openCapture(name, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "ibmitap %s: %v\n", pl.cmd, err)
			res.status = exitError
			continue
		}
		res.opened++
		src := &numbered{File: f, base: base}
		spans = append(spans, fileSpan{name: inputName(name), base: base})
		var in capture.Source = src
		stop := func() { f.Close() } // the next read fails and ends the file
		if name != "-" {
			// A file never blocks, so it is read ahead on another core;
			// standard input may be a live pipe whose packets must not
			// wait for a batch to fill.
			pf := capture.NewPrefetch(src)
			in, stop = pf, func() { pf.Close() }
			defer pf.Close()
		}
		err = classify.Drain(in, eng, func(n uint64) {
			prog.update(name, n)
			if ctx.Err() != nil {
				stop()
			}
		})
		if pf, ok := in.(*capture.Prefetch); ok {
			pf.Close() // the reader is done before the file's counters are read
		}
		capStats = append(capStats, f.Stats())
		f.Close()
		base += src.last
		spans[len(spans)-1].last = src.last
		if err != nil {
			if ctx.Err() != nil {
				err = fmt.Errorf("%s: interrupted", name)
			}
			fmt.Fprintf(stderr, "ibmitap %s: %v\n", pl.cmd, err)
			res.status = exitError
		}
	}
	prog.done()
	if res.opened == 0 {
		return res, nil
	}
	eng.Flush()
	inputs := make([]string, len(files))
	for i, f := range files {
		inputs[i] = inputName(f)
	}
	var warnings []string
	warnings, res.read, res.decoded = undecodable(capStats)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "ibmitap %s: %s\n", pl.cmd, w)
	}
	res.summary = report.Summary{Inputs: files, Counters: counters(capStats, eng.Stats()), Warnings: warnings}
	res.run = runSummary(inputs, capStats, eng.Stats(), acc)
	return res, nil
}

// inputName is how an input is named in records: standard input is "stdin".
func inputName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}
