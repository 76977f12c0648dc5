package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/catalog"
	"github.com/ibmitap/ibmitap/classify"
	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/report"
	"github.com/ibmitap/ibmitap/ship"
)

func cmdRead(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (status int) {
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	fs.SetOutput(flagOutput(args, stdout, stderr))
	format := fs.String("format", "table", "output format: table, json or csv")
	top := fs.Int("top", report.DefaultTop, "table: rows per section and clients per finding row")
	all := fs.Bool("all", false, "table: every row and every client (no --top limit)")
	out := fs.String("o", "", "write output to `FILE` instead of standard output")
	failOn := fs.String("fail-on", "", "exit with status 3 when a finding at or above `SEVERITY` (info, low, medium, high, critical) was raised")
	site := fs.String("site", "", "site catalog `FILE` that adds or overrides port entries")
	maxFlows := fs.Int("max-flows", 1<<18, "flow-table size; the least recently seen flow is evicted (and counted) beyond it")
	headBytes := fs.Int("head-bytes", 8192, "bytes kept per flow direction for protocol detection")
	workers := fs.Int("workers", 1, "classifier goroutines; flows are shared out by host pair and the output is the same for any number")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `FILE` (for performance reports)")
	sensor := fs.String("sensor", "", "sensor `NAME` written in every record (default with --kafka: the host name)")
	kf := addKafkaFlags(fs, true)
	dbDSN := fs.String("db", "", "also append flow records and the run summary to the store `DSN` (FILE.db, sqlite:PATH or postgres://…); the sensor defaults to the host name")
	retain := fs.Duration("retain", 0, "with --db: first delete what ended (packet time) more than `DURATION` ago")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ibmitap read [flags] FILE...\n\nClassify capture files (pcap, pcapng; plain or gzip, zstd, xz compressed); - reads standard input.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *headBytes < 256 || *headBytes > 1<<20 {
		fmt.Fprintf(stderr, "ibmitap read: --head-bytes %d: want 256 to 1048576\n", *headBytes)
		return exitUsage
	}
	if *workers < 1 || *workers > 256 {
		fmt.Fprintf(stderr, "ibmitap read: --workers %d: want 1 to 256\n", *workers)
		return exitUsage
	}
	if *top < 1 {
		fmt.Fprintf(stderr, "ibmitap read: --top %d: want at least 1\n", *top)
		return exitUsage
	}
	if *maxFlows < 1 {
		fmt.Fprintf(stderr, "ibmitap read: --max-flows %d: want at least 1\n", *maxFlows)
		return exitUsage
	}
	if !validFormat(*format) {
		fmt.Fprintf(stderr, "ibmitap read: unknown format %q (want %s)\n", *format, strings.Join(report.Formats, ", "))
		return exitUsage
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "ibmitap read: no capture file given")
		fs.Usage()
		return exitUsage
	}
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "ibmitap read: %v\n", err)
			return exitError
		}
		defer stopProfile()
	}
	if *retain < 0 || (*retain > 0 && *dbDSN == "") {
		fmt.Fprintln(stderr, "ibmitap read: --retain takes a positive duration and needs --db")
		return exitUsage
	}
	failRank := 0
	if *failOn != "" {
		if failRank = record.SeverityRank(*failOn); failRank == 0 {
			fmt.Fprintf(stderr, "ibmitap read: --fail-on %q: want info, low, medium, high or critical\n", *failOn)
			return exitUsage
		}
	}
	cat, err := catalog.Load(*site)
	if err != nil {
		fmt.Fprintf(stderr, "ibmitap read: %v\n", err)
		return exitError
	}
	if len(files) == 1 && files[0] == "-" && *format == "json" && isStream(stdin) && !kf.enabled() {
		return cmdReadStream(ctx, streamOptions{out: *out, cat: cat, maxFlows: *maxFlows, headBytes: *headBytes, failRank: failRank, sensor: *sensor}, stdin, stdout, stderr)
	}
	var prod *ship.Producer
	if kf.enabled() {
		if prod, err = kf.newProducer(stderr, "read"); err != nil {
			fmt.Fprintf(stderr, "ibmitap read: %v\n", err)
			return exitUsage
		}
		*sensor = sensorName(*sensor)
		// Every way out below sends what is queued and says what was not.
		defer func() {
			if st := kf.closeProducer(prod, stderr); st.Unsent() > 0 && status == exitOK {
				fmt.Fprintf(stderr, "ibmitap read: %d records did not reach Kafka\n", st.Unsent())
				status = exitError
			}
		}()
	}
	// The store opens before any output: a bad DSN or a file that is not a
	// store fails the run at start. The run's end is recorded on every way
	// out, with the summary once it is known.
	var sink *dbSink
	sinkRun := record.Run{Schema: record.RunSchema, Inputs: files, CaptureLoss: -1}
	if *dbDSN != "" {
		*sensor = sensorName(*sensor) // a store keys every record by its sensor
		sinkRun.Sensor = *sensor
		if sink, err = openSink(ctx, *dbDSN, *retain, true, sinkRun, stderr); err != nil {
			fmt.Fprintf(stderr, "ibmitap read: %v\n", err)
			return exitError
		}
		defer func() {
			ws, err := sink.Close(sinkRun)
			fmt.Fprintf(stderr, "ibmitap: store: written=%d dropped=%d failed=%d batches=%d\n", ws.Written, ws.Dropped, ws.Failed, ws.Batches)
			if err != nil {
				fmt.Fprintf(stderr, "ibmitap read: store: %v\n", err)
				if status == exitOK || status == exitFindings {
					status = exitError
				}
			}
		}()
	}
	var w io.Writer = stdout
	var outFile *os.File
	direct := *out != "" && notRegular(*out)
	if direct {
		// A device or pipe (-o /dev/null) is written as it is: a rename
		// would replace it with a regular file.
		if outFile, err = os.OpenFile(*out, os.O_WRONLY, 0); err != nil {
			fmt.Fprintf(stderr, "ibmitap read: -o %v\n", err)
			return exitError
		}
		defer outFile.Close()
		w = outFile
	} else if *out != "" {
		// A temporary file beside the target, renamed over it only when the
		// run wrote its output: a failed run never destroys an earlier one.
		if outFile, err = createTemp(*out); err != nil {
			fmt.Fprintf(stderr, "ibmitap read: %v\n", err)
			return exitError
		}
		defer os.Remove(outFile.Name()) // fails harmlessly after the rename
		defer outFile.Close()
		w = outFile
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	writer, err := report.New(*format, bw, report.TableOptions{Top: *top, All: *all})
	if err != nil {
		fmt.Fprintf(stderr, "ibmitap read: %v\n", err)
		return exitUsage
	}

	worst := 0
	var writeErr error
	pl := &pipeline{cmd: "read", catalog: cat, maxFlows: *maxFlows, headBytes: *headBytes, workers: *workers}
	emit := records(func(rec *record.Flow) {
		rec.Sensor = *sensor
		if r := record.SeverityRank(rec.Worst()); r > worst {
			worst = r
		}
		if prod != nil {
			prod.Flow(rec) // never waits; what is refused is counted
		}
		if sink != nil {
			sink.Flow(rec) // files can wait: the writer blocks rather than drop
		}
		if err := writer.Write(rec); err != nil && writeErr == nil {
			writeErr = err
		}
	})
	if jw, ok := writer.(*report.JSON); ok && sink == nil {
		// Only the JSON lines are wanted: each is written straight from the
		// classifier's flow into one reused buffer, no record built (Kafka
		// gets a copy it keeps until sent).
		var line []byte
		emit = func(f *classify.Flow, ev *record.Evidence) {
			if r := record.SeverityRank(record.WorstOf(f)); r > worst {
				worst = r
			}
			line = record.AppendFlowOf(line[:0], f, record.FlowOptions{Sensor: *sensor, Evidence: ev})
			if prod != nil {
				prod.Line(f.Server, bytes.Clone(line)) // never waits; what is refused is counted
			}
			if err := jw.WriteLine(line); err != nil && writeErr == nil {
				writeErr = err
			}
		}
	}
	res, err := pl.run(ctx, files, stdin, stderr, emit)
	if err != nil {
		fmt.Fprintf(stderr, "ibmitap read: %v\n", err)
		return exitError
	}
	status = res.status
	if res.opened == 0 {
		return status // nothing was read: no empty report
	}
	res.run.Sensor = *sensor
	sinkRun = res.run
	if prod != nil {
		prod.Run(&res.run)
	}
	sum := res.summary
	sum.Run = &res.run
	if err := writer.Finish(sum); err != nil && writeErr == nil {
		writeErr = err
	}
	if err := bw.Flush(); err != nil && writeErr == nil {
		writeErr = err
	}
	if outFile != nil {
		if err := outFile.Close(); err != nil && writeErr == nil {
			writeErr = err
		}
		if writeErr == nil && !direct {
			writeErr = os.Rename(outFile.Name(), *out)
		}
	}
	if writeErr != nil {
		fmt.Fprintf(stderr, "ibmitap read: writing output: %v\n", writeErr)
		return exitError
	}
	if *format != "table" {
		fmt.Fprintf(stderr, "ibmitap: %s\n", counterLine(sum.Counters))
	}
	if res.read > 0 && res.decoded == 0 {
		fmt.Fprintf(stderr, "ibmitap read: none of the %s packets read could be decoded as TCP or UDP: nothing was classified\n", thousands(res.read))
		return exitError
	}
	if failRank > 0 && worst >= failRank {
		// A finding is proven by the flows that were read, whatever
		// happened later in the input: the threshold wins over a damaged
		// file (whose error was printed above).
		fmt.Fprintf(stderr, "ibmitap read: --fail-on %s: a finding at or above %s was raised\n", *failOn, *failOn)
		if status == exitOK || status == exitError {
			return exitFindings
		}
	}
	return status
}

// undecodable returns one line per link type whose packets could not be
// decoded ("133,068 packets of link type 802.11 could not be decoded"), and
// the packets read and decoded in all.
func undecodable(cs []capture.Stats) (lines []string, read, decoded uint64) {
	var order []capture.LinkType
	per := map[capture.LinkType]uint64{}
	var other uint64
	for _, s := range cs {
		read += s.Packets
		decoded += s.Decoded
		for _, c := range s.UndecodableCounts() {
			if _, ok := per[c.Link]; !ok {
				order = append(order, c.Link)
			}
			per[c.Link] += c.Count
		}
		other += s.UndecodableOther
	}
	for _, l := range order {
		lines = append(lines, fmt.Sprintf("%s of link type %s could not be decoded", packetsText(per[l]), l))
	}
	if other > 0 {
		lines = append(lines, fmt.Sprintf("%s of other link types could not be decoded", packetsText(other)))
	}
	return lines, read, decoded
}

func packetsText(n uint64) string {
	if n == 1 {
		return "1 packet"
	}
	return thousands(n) + " packets"
}

// thousands formats n with comma thousands separators.
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// counters flattens capture and engine statistics, nonzero skips only.
func counters(cs []capture.Stats, es classify.Stats) []report.Counter {
	var pk, dec uint64
	skips := map[string]uint64{}
	var order []string
	for _, s := range cs {
		pk += s.Packets
		dec += s.Decoded
		for name, n := range s.Skips() {
			if _, ok := skips[name]; !ok {
				order = append(order, name)
			}
			skips[name] += n
		}
	}
	c := []report.Counter{
		{Name: "packets", Value: pk},
		{Name: "decoded", Value: dec},
	}
	for _, name := range sortedKeys(order) {
		c = append(c, report.Counter{Name: "skipped_" + name, Value: skips[name]})
	}
	c = append(c,
		report.Counter{Name: "flows", Value: es.Flows},
		report.Counter{Name: "records", Value: es.Emitted},
		report.Counter{Name: "evicted", Value: es.Evicted},
		report.Counter{Name: "idle_expired", Value: es.IdleExpired},
		report.Counter{Name: "late_packets", Value: es.LatePackets},
		report.Counter{Name: "heads_no_memory", Value: es.HeadsNoMemory},
		report.Counter{Name: "heads_reclaimed", Value: es.HeadsReclaimed},
		report.Counter{Name: "clock_jumps", Value: es.ClockJumps},
		report.Counter{Name: "head_holes", Value: es.HeadHoles},
		report.Counter{Name: "learned", Value: es.Learned},
		report.Counter{Name: "learned_evicted", Value: es.LearnedEvicted},
		report.Counter{Name: "expect_dropped", Value: es.ExpectDropped},
		report.Counter{Name: "uninspected", Value: es.Uninspected},
	)
	return c
}

func sortedKeys(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func counterLine(cs []report.Counter) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s=%d", c.Name, c.Value))
	}
	return strings.Join(parts, " ")
}

// openCapture opens a capture file, or standard input for "-" (as in
// `tcpdump -w - | ibmitap read -`).
func openCapture(name string, stdin io.Reader) (*capture.File, error) {
	if name == "-" {
		return capture.NewReader("stdin", stdin)
	}
	return capture.OpenFile(name)
}

// parseInterspersed parses flags wherever they stand among the file names
// (`read a.pcap --format json` as well as `read --format json a.pcap`); a
// lone "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return files, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(files, rest...), nil
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}

func validFormat(f string) bool {
	for _, x := range report.Formats {
		if f == x {
			return true
		}
	}
	return false
}

// notRegular reports whether name exists and is not a regular file (a
// device such as /dev/null, a named pipe).
func notRegular(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && !fi.Mode().IsRegular()
}

// createTemp creates the temporary file that becomes name once the output
// is complete: in name's directory (a rename cannot cross file systems),
// readable like a file os.Create makes.
func createTemp(name string) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("-o %s: %w", name, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("-o %s: %w", name, err)
	}
	return f, nil
}
