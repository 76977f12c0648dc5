package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ibmitap/ibmitap/catalog"
	"github.com/ibmitap/ibmitap/classify"
	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/sensor"
	"github.com/ibmitap/ibmitap/ship"
)

// listFlag collects a repeatable flag (-i eth1 -i eth2).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// watchOptions are the parsed watch flags.
type watchOptions struct {
	ifaces         listFlag
	out, format    string
	site           string
	maxFlows       int
	headBytes      int
	workers        int
	sensor         string
	filter         string
	bpfFile        string
	db             string
	interim        time.Duration
	statsEvery     time.Duration
	metricsAddr    string
	syslog         string
	rotateSize     int64
	rotateInterval time.Duration
	ringMB         int
	promisc        bool
	fanoutID       uint
	queue          int
	engine         string
	kafka          *kafkaFlags
}

func watchFlags(args []string, stdout, stderr io.Writer) (*flag.FlagSet, *watchOptions) {
	o := &watchOptions{}
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fs.SetOutput(flagOutput(args, stdout, stderr))
	fs.Var(&o.ifaces, "i", "capture on `IFACE` (repeat, or comma-separate, for several)")
	fs.StringVar(&o.out, "o", "", "append JSON lines to `FILE` (reopened on SIGHUP) instead of standard output")
	fs.StringVar(&o.format, "format", "json", "output format: json (JSON lines: flow records and finding events)")
	fs.StringVar(&o.site, "site", "", "site catalog `FILE` that adds or overrides port entries")
	fs.IntVar(&o.maxFlows, "max-flows", 1<<18, "flow-table size per worker; the least recently seen flow is evicted (and counted) beyond it")
	fs.IntVar(&o.headBytes, "head-bytes", 8192, "bytes kept per flow direction for protocol detection")
	fs.IntVar(&o.workers, "workers", 1, "capture workers (AF_PACKET fanout keeps each host pair on one)")
	fs.StringVar(&o.sensor, "sensor", "", "sensor `NAME` written in every line (default: the host name)")
	fs.StringVar(&o.filter, "filter", "", "capture filter `EXPR` (tcpdump syntax; the pure-Go build takes a subset)")
	fs.StringVar(&o.bpfFile, "bpf-file", "", "capture filter from `FILE` written by tcpdump -ddd")
	o.kafka = addKafkaFlags(fs, true)
	fs.StringVar(&o.db, "db", "", "also write records and events to the store `DSN` (FILE.db, sqlite:PATH or postgres://…)")
	fs.DurationVar(&o.interim, "interim", 10*time.Minute, "write an interim record of every flow open longer than `DURATION`, each DURATION (0: none)")
	fs.DurationVar(&o.statsEvery, "stats-interval", time.Minute, "write a stats line to standard error every `DURATION` (0: only at the end)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus /metrics and /healthz on `ADDR` (host:port)")
	fs.StringVar(&o.syslog, "syslog", "", "also send finding events to `URL` udp://HOST:PORT or tcp://HOST:PORT (RFC 5424)")
	fs.Int64Var(&o.rotateSize, "rotate-size", 0, "with -o: rotate the file at `BYTES` (0: never)")
	fs.DurationVar(&o.rotateInterval, "rotate-interval", 0, "with -o: rotate the file every `DURATION` (0: never)")
	fs.IntVar(&o.ringMB, "ring-mb", 32, "kernel capture ring per socket in `MiB`")
	fs.BoolVar(&o.promisc, "promisc", true, "promiscuous mode (a SPAN port's frames are not addressed to the sensor; needs CAP_NET_ADMIN)")
	fs.UintVar(&o.fanoutID, "fanout-id", 0, "AF_PACKET fanout group `ID` for --workers (0: from the process id)")
	fs.IntVar(&o.queue, "queue", 65536, "output queue in `LINES`; beyond it lines are dropped and counted, capture never waits")
	fs.StringVar(&o.engine, "engine", "", "capture engine: afpacket (Linux default) or pcap (a -tags pcap build)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ibmitap watch [flags] -i IFACE [-i IFACE...]\n\nLive sensor: JSON lines (flow records as flows end, finding events as they are proven) to standard output or -o FILE.\nSIGINT/SIGTERM: write every open flow and stop; SIGHUP: reopen -o.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs, o
}

// check validates the flags (usage errors, exit 2).
func (o *watchOptions) check() error {
	switch {
	case len(o.ifaces) == 0:
		return errors.New("no interface given (-i IFACE)")
	case o.format != "json":
		return fmt.Errorf("--format %q: watch writes json", o.format)
	case o.headBytes < 256 || o.headBytes > 1<<20:
		return fmt.Errorf("--head-bytes %d: want 256 to 1048576", o.headBytes)
	case o.maxFlows < 1:
		return fmt.Errorf("--max-flows %d: want at least 1", o.maxFlows)
	case o.workers < 1 || o.workers > 64:
		return fmt.Errorf("--workers %d: want 1 to 64", o.workers)
	case o.filter != "" && o.bpfFile != "":
		return errors.New("give --filter or --bpf-file, not both")
	case o.queue < 16:
		return fmt.Errorf("--queue %d: want at least 16", o.queue)
	case o.interim < 0 || o.statsEvery < 0 || o.rotateSize < 0 || o.rotateInterval < 0:
		return errors.New("durations and sizes must not be negative")
	case (o.rotateSize > 0 || o.rotateInterval > 0) && o.out == "":
		return errors.New("--rotate-size and --rotate-interval need -o FILE")
	case o.fanoutID > 0xFFFF:
		return fmt.Errorf("--fanout-id %d: want 0 to 65535", o.fanoutID)
	}
	if o.syslog != "" {
		if _, _, err := sensor.ParseSyslog(o.syslog); err != nil {
			return err
		}
	}
	return nil
}

// openSources opens the live capture, one source per worker. Tests replace
// it to feed captures through the same path.
var openSources = openLive

func cmdWatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, o := watchFlags(args, stdout, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ibmitap watch: unexpected argument %q (interfaces go with -i)\n", fs.Arg(0))
		return exitUsage
	}
	if err := o.check(); err != nil {
		fmt.Fprintf(stderr, "ibmitap watch: %v\n", err)
		return exitUsage
	}
	o.sensor = sensorName(o.sensor)
	cat, err := catalog.Load(o.site)
	if err != nil {
		fmt.Fprintf(stderr, "ibmitap watch: %v\n", err)
		return exitError
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "ibmitap watch: %v\n", err)
		return exitError
	}

	// Everything that can fail does so before capture starts: the output,
	// the store, the metrics address, then the capture itself.
	var sink sensor.Sink = sensor.WriterSink{W: stdout}
	if o.out != "" {
		fsink, err := sensor.OpenFileSink(o.out, o.rotateSize, o.rotateInterval)
		if err != nil {
			return fail(err)
		}
		sink = fsink
	}
	s := &sensor.Sensor{StatsEvery: o.statsEvery, Stderr: stderr, Idle: isIdleErr, Transient: isLinkErr}
	report := func(err error) { fmt.Fprintf(stderr, "ibmitap watch: %v\n", err) }
	out := sensor.NewOutput("records", sink, o.queue, false, report)
	s.Outputs = append(s.Outputs, out)
	acc := newRunAccount()
	pipe := &sensor.Pipeline{Out: out, Sensor: o.sensor, OnRecord: acc.add}
	s.Pipe = pipe
	closeOutputs := func() {
		for _, q := range s.Outputs {
			q.Close()
		}
	}
	if o.syslog != "" {
		ss, _ := sensor.NewSyslogSink(o.syslog)
		pipe.Syslog = sensor.NewOutput("syslog", ss, o.queue, false, report)
		s.Outputs = append(s.Outputs, pipe.Syslog)
	}
	var db *dbSink
	run := record.Run{Schema: record.RunSchema, Sensor: o.sensor, Inputs: o.ifaces, CaptureLoss: -1}
	if o.db != "" {
		if db, err = openSink(ctx, o.db, 0, false, run, stderr); err != nil {
			closeOutputs()
			return fail(err)
		}
		pipe.Store = db
	}
	var producer *ship.Producer
	if o.kafka.enabled() {
		if producer, err = o.kafka.newProducer(stderr, "watch"); err != nil {
			closeOutputs()
			if db != nil {
				db.Close(run)
			}
			return fail(err)
		}
		pipe.Ship = producer
	}
	var metrics *sensor.MetricsServer
	if o.metricsAddr != "" {
		if metrics, err = sensor.ServeMetrics(o.metricsAddr, s); err != nil {
			closeOutputs()
			return fail(err)
		}
		defer metrics.Close()
		fmt.Fprintf(stderr, "ibmitap watch: metrics on http://%s/metrics\n", metrics.Addr())
	}
	srcs, err := openSources(ctx, o)
	if err != nil {
		closeOutputs()
		return fail(err)
	}
	var engines []*classify.Engine
	for _, src := range srcs {
		eng, err := classify.New(classify.Config{
			Catalog: cat, MaxFlows: o.maxFlows, HeadBytes: o.headBytes,
			Linger: streamLinger, Interim: o.interim,
			Emit: pipe.Emit, Finding: pipe.Finding, ReuseFlow: true,
		})
		if err != nil {
			closeOutputs()
			return fail(err)
		}
		engines = append(engines, eng)
		s.Add(src, eng)
	}

	// Signals: the context ends on SIGINT/SIGTERM; SIGHUP reopens outputs.
	go func() {
		<-ctx.Done()
		s.Stop.Store(true)
	}()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			for _, q := range s.Outputs {
				if err := q.Reopen(); err != nil {
					report(err)
				}
			}
		}
	}()
	fmt.Fprintf(stderr, "ibmitap watch: capturing on %s (%d worker(s))\n", strings.Join(o.ifaces, ", "), len(srcs))
	runErr := s.Run(classify.EndShutdown)
	for _, src := range srcs {
		src.Close()
	}

	snap := s.Snapshot()
	run.Packets, run.Decoded = snap.Capture.Packets, snap.Capture.Decoded
	run.Flows, run.Evicted = snap.Engine.Emitted, snap.Engine.Evicted
	run.KernelPackets, run.KernelDrops = snap.Kernel.Packets, snap.Kernel.Drops
	run.GapBytes, run.CaptureLoss = snap.Engine.GapBytes, snap.LossRatio()
	run.Start, run.End = acc.span()
	run.PayloadBytes = acc.payload
	run.Skipped = snap.Capture.Skips()
	if len(run.Skipped) == 0 {
		run.Skipped = nil
	}
	run.OutputDrops = s.OutputStats().Dropped
	out.Send(record.AppendRun(nil, &run))
	closeOutputs()
	s.FinalStats()
	status := exitOK
	if db != nil {
		ws, err := db.Close(run)
		fmt.Fprintf(stderr, "ibmitap: store: written=%d dropped=%d failed=%d batches=%d\n", ws.Written, ws.Dropped, ws.Failed, ws.Batches)
		if err != nil {
			report(fmt.Errorf("store: %w", err))
			status = exitError
		}
	}
	if producer != nil {
		producer.Run(&run)
		if st := o.kafka.closeProducer(producer, stderr); st.Unsent() > 0 {
			status = exitError
		}
	}
	if runErr != nil {
		report(runErr)
		status = exitError
	}
	return status
}
